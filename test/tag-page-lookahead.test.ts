import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredTypeIds, taggedItemPages, tagsWithFirstItems } from '../src/features/tags/tags.loaders.js';
import { RequestLoaders } from '../src/generic/request-loaders.js';
import { rootEm } from '../src/server/orm.js';
import { databaseKind } from './helpers/database.js';
import { contentTypeIds, createObjects, createTags, TAGGABLE_TYPES, tagObjects } from './fixtures/core.data.js';
import { type GraphQLResult, startTestServer, type TestServer } from './helpers/server.js';

/**
 * `tag(name) { items(first) }`, the usual tag page, reads the tag and the
 * first page of its items in ONE statement (`tagsWithFirstItems`, primed by
 * the `tag` resolver's look-ahead, `soleSubfieldArguments`). The answer must
 * be the one the two loaders give separately, which a selection the
 * look-ahead declines shows: the same `items` under `... @include(if: true)`
 * (any directive makes it decline). Every query runs three times: by
 * graphql-js, then compiled (graphql-jit, from the second execution on),
 * and must give the same answer and statement count each time.
 */
describe(`a tag and the first page of its items in one statement (${databaseKind})`, () => {
  let t: TestServer;
  const ITEMS = `edges { cursor node { __typename ... on Node { id } } } pageInfo { hasNextPage endCursor }`;
  /** `$first` is declared where it is used (an unused variable fails validation). */
  const operation = (body: string, fragments = '') => `query($name: String!${body.includes('$first') || fragments.includes('$first') ? ', $first: Int' : ''}) ${body} ${fragments}`;
  const fused = (items: string) => operation(`{ tag(name: $name) { name ${items} } }`);
  const declined = (items: string) => operation(`{ tag(name: $name) { name ... @include(if: true) { ${items} } } }`);
  const BUSY = 3 * TAGGABLE_TYPES.length;

  /** The same operation three times: one answer (data and errors) and its statement count, which must not change. */
  async function answer(query: string, variables: Record<string, unknown> = {}): Promise<{ result: GraphQLResult; statements: number }> {
    const runs: GraphQLResult[] = [];
    for (let i = 0; i < 3; i++) runs.push(await t.gql(query, variables));
    const strip = (r: GraphQLResult) => ({ data: r.data, errors: r.errors, statements: r.extensions?.sqlStatements });
    for (const run of runs.slice(1)) expect(strip(run), query).toEqual(strip(runs[0]!));
    expect(runs[0]!.extensions?.sqlStatements).toBeTypeOf('number');
    return { result: runs[0]!, statements: runs[0]!.extensions!.sqlStatements as number };
  }

  beforeAll(async () => {
    t = await startTestServer({ compileQueriesAfter: 2 }, { app: 'core' });
    const cts = await contentTypeIds(t.sql);
    const [busy, strasse, other] = await createTags(t.sql, ['busy', 'Straße', 'other']);
    await createTags(t.sql, ['empty']);
    for (const [i, type] of TAGGABLE_TYPES.entries()) {
      const objects = await createObjects(t.sql, cts, type, 3);
      // Two items share each timestamp: the page's order falls back on the id.
      await tagObjects(t.sql, objects, [busy], (n) => new Date(Date.UTC(2026, 0, 1, 0, i, Math.floor(n / 2))));
      await tagObjects(t.sql, objects.slice(0, 1), [strasse, other]);
    }
  });
  afterAll(() => t?.stop());

  it('the usual tag page: one statement instead of two, the same answer, for every page size, an empty tag and a missing one', async () => {
    for (const name of ['busy', 'STRASSE', 'empty', 'missing']) {
      for (const first of [undefined, 0, 1, 5, BUSY - 1, BUSY, 100]) {
        const variables = { name, ...(first === undefined ? {} : { first }) };
        const one = await answer(fused(`items(first: $first) { ${ITEMS} }`), variables);
        const two = await answer(declined(`items(first: $first) { ${ITEMS} }`), variables);
        expect(one.result.errors).toBeUndefined();
        expect(one.result.data).toEqual(two.result.data);
        expect(one.statements, `${name}, first ${first}`).toBe(1);
        expect(two.statements, `${name}, first ${first}`).toBe(name === 'missing' ? 1 : 2);
      }
    }
    const busy = (await answer(fused(`items(first: $first) { ${ITEMS} }`), { name: 'busy', first: 100 })).result.data.tag.items;
    expect(busy.edges).toHaveLength(BUSY);
    expect(new Set(busy.edges.map((e: { node: { __typename: string } }) => e.node.__typename)).size).toBe(TAGGABLE_TYPES.length);
    expect((await answer(fused(`items { ${ITEMS} }`), { name: 'empty' })).result.data.tag).toEqual({ name: 'empty', items: { edges: [], pageInfo: { hasNextPage: false, endCursor: null } } });
    expect((await answer(fused(`items { ${ITEMS} }`), { name: 'missing' })).result.data).toEqual({ tag: null });
  });

  it('its cursors continue the list: paging the whole tag from the first page gives every item once, in the order of the declined shape', async () => {
    const walk = async (shape: (items: string) => string) => {
      const ids: string[] = [];
      let after: string | null = null;
      let page = 0;
      do {
        const query = page === 0 ? shape(`items(first: $first) { ${ITEMS} }`) : fused(`items(first: $first, after: "${after}") { ${ITEMS} }`);
        const { result } = await answer(query, { name: 'busy', first: 4 });
        expect(result.errors).toBeUndefined();
        ids.push(...result.data.tag.items.edges.map((e: { node: { id: string } }) => e.node.id));
        after = result.data.tag.items.pageInfo.hasNextPage ? result.data.tag.items.pageInfo.endCursor : null;
        page++;
      } while (after);
      return ids;
    };
    const ids = await walk(fused);
    expect(new Set(ids).size).toBe(BUSY);
    expect(ids).toEqual(await walk(declined));
  });

  it('declines what it cannot be sure of, and those selections answer as before', async () => {
    const cases: { selection: string; fragments?: string; statements: number; variables?: Record<string, unknown> }[] = [
      // a named fragment and inline ones without directives are read ahead too
      { selection: '...F', fragments: `fragment F on Tag { items(first: 4) { ${ITEMS} } }`, statements: 1 },
      { selection: `... on Tag { items(first: 4) { ${ITEMS} } }`, statements: 1 },
      { selection: `... on Node { ... on Tag { items(first: $first) { ${ITEMS} } } }`, statements: 1, variables: { first: 2 } },
      // two selections of items (aliases, a fragment repeating it): each page on its own
      { selection: `a: items(first: 2) { ${ITEMS} } b: items(first: 3) { ${ITEMS} }`, statements: 3 },
      { selection: 'items(first: 2) { edges { cursor } } ...G', fragments: 'fragment G on Tag { items(first: 2) { pageInfo { hasNextPage } } }', statements: 2 },
      // a directive anywhere on the way, whatever its value
      { selection: `items(first: 2) @skip(if: false) { ${ITEMS} }`, statements: 2 },
      { selection: `items(first: 2) @skip(if: true) { ${ITEMS} }`, statements: 1 },
      { selection: `... @include(if: false) { items(first: 2) { ${ITEMS} } }`, statements: 1 },
      { selection: '...H', fragments: `fragment H on Tag { ... @include(if: true) { items(first: 2) { ${ITEMS} } } }`, statements: 2 },
      // explicit nulls are what omitting them means; anything else is not a first page of every type
      { selection: `items(first: 2, after: null, types: null) { ${ITEMS} }`, statements: 1 },
      { selection: `items(first: 2, types: ["FixtureAnimal"]) { ${ITEMS} }`, statements: 2 },
      { selection: `items(first: 2, types: []) { ${ITEMS} }`, statements: 1 },
      // out of range or malformed: the error of items, as without the look-ahead
      { selection: `items(first: 101) { ${ITEMS} }`, statements: 1 },
      { selection: `items(first: -1) { ${ITEMS} }`, statements: 1 },
      // (a variable as large as an Int goes: the operation's cost analysis refuses it before any resolver runs)
      { selection: `items(first: $first) { ${ITEMS} }`, statements: 0, variables: { first: 2 ** 31 - 1 } },
      { selection: `items(types: ["NoSuchType"]) { ${ITEMS} }`, statements: 1 },
      { selection: `items(first: 2, after: "not a cursor") { ${ITEMS} }`, statements: 1 },
    ];
    for (const { selection, fragments = '', statements, variables } of cases) {
      const query = operation(`{ tag(name: $name) { name ${selection} } }`, fragments);
      // The same selection declined as a whole (under @include(if: true)) answers the same.
      const reference = operation(`{ tag(name: $name) { name ... @include(if: true) { ${selection} } } }`, fragments);
      const got = await answer(query, { name: 'busy', ...variables });
      const expected = await answer(reference, { name: 'busy', ...variables });
      // (The wrapper moves the error's column: locations aside, the same errors.)
      const errors = (r: GraphQLResult) => r.errors?.map((error) => ({ ...error, locations: undefined }));
      expect({ data: got.result.data, errors: errors(got.result) }, selection).toEqual({ data: expected.result.data, errors: errors(expected.result) });
      expect(got.statements, selection).toBe(statements);
    }
  });

  it('the tag selected more than once under its name: graphql-js and graphql-jit decide alike, whatever directives drop', async () => {
    const page = (first: number) => `items(first: ${first}) { ${ITEMS} }`;
    const cases: { query: string; statements: number; variables?: Record<string, unknown> }[] = [
      // graphql-js leaves the dropped selection out of the resolver's field nodes; graphql-jit passes both
      { query: `{ tag(name: "busy") { name } tag(name: "busy") @include(if: false) { ${page(100)} } }`, statements: 1 },
      { query: `query($no: Boolean = false) { tag(name: "busy") { name } ... @include(if: $no) { tag(name: "busy") { ${page(100)} } } }`, statements: 1 },
      { query: `{ tag(name: "busy") { a: ${page(2)} } tag(name: "busy") @skip(if: true) { b: ${page(3)} } }`, statements: 2 },
      { query: `{ tag(name: "busy") { ${page(2)} } tag(name: "busy") @include(if: true) { name } }`, statements: 2 },
      // one selection of the tag, under a directive that keeps it: read ahead
      { query: `{ tag(name: "busy") @include(if: true) { ${page(2)} } }`, statements: 1 },
      // the same tag both ways in one request: its page is read once (items waits for the shared read)
      { query: `{ a: tag(name: "busy") { ${page(2)} } b: tag(name: "busy") { ... @include(if: true) { ${page(2)} } } }`, statements: 2 },
    ];
    for (const { query, statements } of cases) {
      const got = await answer(query);
      expect(got.result.errors, query).toBeUndefined();
      expect(got.statements, query).toBe(statements);
    }
    const both = await answer(cases.at(-1)!.query);
    expect(both.result.data.a.items).toEqual(both.result.data.b.items);
  });

  it('when the shared statement fails, the error is the one of the page, at tag.items, as without the look-ahead', async () => {
    // The page's targets probe every taggable table: one of them gone makes the page fail, not the tag's lookup.
    await t.sql('alter table cg_fixture_animal rename to cg_fixture_animal_away');
    try {
      const items = `items(first: 2) { edges { cursor } }`;
      const got = await answer(fused(items), { name: 'busy' });
      const expected = await answer(declined(items), { name: 'busy' });
      expect(got.result.data).toEqual({ tag: null });
      expect(got.result.errors?.map((e) => e.path)).toEqual([['tag', 'items']]);
      expect(got.result.errors?.map((e) => ({ ...e, locations: undefined }))).toEqual(expected.result.errors?.map((e) => ({ ...e, locations: undefined })));
    } finally {
      await t.sql('alter table cg_fixture_animal_away rename to cg_fixture_animal');
    }
    expect((await answer(fused(`items(first: 2) { ${ITEMS} }`), { name: 'busy' })).result.errors).toBeUndefined();
  });

  it('errors of items keep their code and path when the look-ahead declines for a bad argument', async () => {
    for (const items of ['items(first: 101) { edges { cursor } }', 'items(first: -1) { edges { cursor } }', 'items(types: ["NoSuchType"]) { edges { cursor } }']) {
      const { result } = await answer(operation(`{ tag(name: $name) { name ${items} } }`), { name: 'busy' });
      expect(result.data).toEqual({ tag: null });
      expect(result.errors).toHaveLength(1);
      expect(result.errors![0]).toMatchObject({ path: ['tag', 'items'], extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  it('several tags in one request: their first pages in one statement, each the answer it gets alone', async () => {
    const page = `items(first: 3) { ${ITEMS} }`;
    const { result, statements } = await answer(
      `{ a: tag(name: "busy") { name ${page} } b: tag(name: "straße") { name ${page} } c: tag(name: "missing") { name ${page} } d: tag(name: "BUSY") { name ${page} } e: tag(name: "empty") { name ${page} } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(statements).toBe(1);
    for (const [alias, name] of Object.entries({ a: 'busy', b: 'straße', c: 'missing', d: 'BUSY', e: 'empty' })) {
      expect(result.data[alias], alias).toEqual((await answer(declined(page), { name })).result.data.tag);
    }
    // Different page sizes are different statements; a tag asked without items comes by its own lookup.
    const mixed = await answer(`{ a: tag(name: "busy") { ${page} } b: tag(name: "other") { items(first: 5) { ${ITEMS} } } c: tag(name: "empty") { name } }`);
    expect(mixed.result.errors).toBeUndefined();
    expect(mixed.statements).toBe(3);
    expect(mixed.result.data.b.items.edges).toHaveLength(TAGGABLE_TYPES.length);
  });

  it('hostile names: too long or holding NUL is BAD_USER_INPUT before any statement; invisible characters and case find the tag; prototype names find nothing', async () => {
    for (const name of ['x'.repeat(201), 'bu\u0000sy', `${'\u0000'.repeat(150)}`]) {
      const { result, statements } = await answer(fused(`items { ${ITEMS} }`), { name });
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(name.slice(0, 10))).toBe('BAD_USER_INPUT');
      expect(result.data).toEqual({ tag: null });
      expect(statements).toBe(0);
    }
    for (const name of ['', '   ', '\u200b\u200b']) {
      const { result, statements } = await answer(fused(`items { ${ITEMS} }`), { name });
      expect(result).toMatchObject({ data: { tag: null } });
      expect(result.errors).toBeUndefined();
      expect(statements).toBe(0);
    }
    for (const name of ['  BU\u200bSY ', 'ｂｕｓｙ', 'strasse', 'STRAẞE']) {
      const { result } = await answer(fused(`items(first: 100) { ${ITEMS} }`), { name });
      expect(result.errors, name).toBeUndefined();
      expect(result.data.tag?.name, name).toMatch(/^(busy|Straße)$/);
    }
    for (const name of ['__proto__', 'constructor', 'hasOwnProperty', 'toString']) {
      const { result } = await answer(fused(`items { ${ITEMS} }`), { name });
      expect(result, name).toMatchObject({ data: { tag: null } });
    }
  });

  it('two lookup names the database keys alike (which tagKey never sends) still give each its tag and the page once', async () => {
    const loaders = new RequestLoaders(rootEm(t.server.orm).fork(), t.server.registry);
    const typeIds = [...registeredTypeIds(loaders)].sort((a, b) => a - b);
    const loader = tagsWithFirstItems(loaders, 100, typeIds)!;
    // 'busy' and 'BUSY' are one tag for cg_tag_key; DataLoader keys them apart, so the statement looks it up twice.
    const [lower, upper] = await loader.loadMany(['busy', 'BUSY']);
    expect(lower).toMatchObject({ name: 'busy' });
    expect(upper).toEqual(lower);
    const page = await taggedItemPages(loaders, 100, null, typeIds).load((lower as { id: number }).id);
    expect(page).toHaveLength(BUSY);
    expect(new Set(page.map((row) => row.id)).size).toBe(BUSY);
  });

  it('concurrent requests for the same tag page while items are added: every answer is a page of the tag as it was at some moment', async () => {
    const cts = await contentTypeIds(t.sql);
    const [{ id }] = await t.sql<{ id: number }>(`select id from tag where name = 'other'`);
    const extra = await createObjects(t.sql, cts, 'FixtureAnimal', 20);
    const reads = Array.from({ length: 20 }, () => t.gql(fused(`items(first: 100) { ${ITEMS} }`), { name: 'other' }));
    await Promise.all(extra.map((o) => tagObjects(t.sql, [o], [id])));
    for (const result of await Promise.all(reads)) {
      expect(result.errors).toBeUndefined();
      const edges = result.data.tag.items.edges;
      expect(edges.length).toBeGreaterThanOrEqual(TAGGABLE_TYPES.length);
      expect(edges.length).toBeLessThanOrEqual(TAGGABLE_TYPES.length + extra.length);
      expect(new Set(edges.map((e: { cursor: string }) => e.cursor)).size).toBe(edges.length);
    }
  });
});
