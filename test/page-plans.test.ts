import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootEm } from '../src/server/orm.js';
import { databaseKind } from './helpers/database.js';
import { contentTypeIds, createObjects, createTags, type ObjectRef } from './fixtures/core.data.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Every keyset page of a reverse relation is a range of an index: the
 * per-parent pages the server issues (captured from the running code while
 * it answers GraphQL requests) are `LATERAL (… ORDER BY … LIMIT n)` over the
 * `(parent…, created_at, id)` index of their table, with no Sort node. The
 * data is big and skewed enough (thousands of rows under one parent, after
 * ANALYZE) for the planner to choose freely: sequential scans stay allowed.
 */
describe(`per-parent pages read an index range, no sort (${databaseKind})`, () => {
  let t: TestServer;
  let hot: ObjectRef;
  let captured: { sql: string; params: unknown[] }[] = [];
  const HEAVY = 4000;

  /** The statements a request ran that page a relation per parent. */
  const pagesOf = async (query: string, variables: Record<string, unknown> = {}) => {
    captured = [];
    const result = await t.gql(query, variables);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    // (`tag(name) { items }` reads the tag and its page in one statement: tagsWithFirstItems.)
    return { data: result.data, pages: captured.filter((s) => /join lateral \(+select g\.\*/i.test(s.sql)) };
  };
  const explain = async (statement: { sql: string; params: unknown[] }) =>
    (await t.sql<{ 'QUERY PLAN': string }>(`explain (costs off) ${statement.sql}`, statement.params)).map((r) => r['QUERY PLAN']).join('\n');
  /** The plan pages `table` through `index`, stops at a Limit and sorts nothing. */
  const expectIndexRange = async (plan: string, table: string, index: string) => {
    expect(plan, plan).toMatch(new RegExp(`Index (Only )?Scan( Backward)? using ${index} on ${table}\\b`));
    expect(plan, plan).toMatch(/Limit/);
    expect(plan, plan).not.toMatch(/Sort|WindowAgg/);
    expect(plan, plan).not.toMatch(new RegExp(`Seq Scan on "?${table}"?\\b`));
    await expectTargetProbes(plan);
  };
  /**
   * The targets joined into a page (`RequestLoaders.targetJoin`): each
   * type's probe runs only for rows of that type (a One-Time Filter on the
   * row's content type right above it), nothing is hashed, and a scan of a
   * whole table is only ever of a table too small for its index to pay
   * (under 100 rows here: the planner's own choice); the big tables are
   * probed by primary key (checked by the tests).
   */
  const expectTargetProbes = async (plan: string) => {
    expect(plan, plan).not.toMatch(/Hash/);
    const lines = plan.split('\n');
    for (const [i, line] of lines.entries()) {
      const scan = /Seq Scan on "?(\w+)"?/.exec(line);
      if (!scan) continue;
      // (`"*SELECT* 1".content_type_id` where the page is a branch of a UNION ALL: tagsWithFirstItems.)
      expect(lines[i - 1] ?? '', plan).toMatch(/One-Time Filter: \((\w+|"[^"]+")\.content_type_id = \d+\)/);
      const [{ n }] = await t.sql<{ n: number }>(`select count(*)::int as n from "${scan[1]}"`);
      expect(n, `${scan[1]} has ${n} rows and is scanned whole:\n${plan}`).toBeLessThan(100);
    }
  };

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    const conn = rootEm(t.server.orm).getConnection();
    const execute = conn.execute.bind(conn);
    conn.execute = ((sql: string, params: unknown[] = [], ...rest: unknown[]) => {
      if (typeof sql === 'string') captured.push({ sql, params: [...params] });
      return (execute as (...args: unknown[]) => unknown)(sql, params, ...rest);
    }) as typeof conn.execute;

    const cts = await contentTypeIds(t.sql);
    const [user] = await createObjects(t.sql, cts, 'User', 1);
    const users = await createObjects(t.sql, cts, 'User', 40);
    const others = await t.sql<{ key: string }>(
      `insert into cg_fixture_animal (name, created_at) select 'Other ' || g, timestamptz '2024-01-01' + g * interval '1 second' from generate_series(1, ?) g returning id::text as key`,
      [HEAVY],
    );
    [hot] = await createObjects(t.sql, cts, 'FixtureAnimal', 1, 'Hot');
    const ct = hot.ct;
    const [popular] = await createTags(t.sql, ['popular']);
    const rare = await createTags(t.sql, Array.from({ length: 9 }, (_, i) => `rare${i}`));
    const animalIds = `{${others.map((o) => o.key).join(',')}}`;
    // one statement per table: the statement-level integrity check takes them as batches
    await t.sql(
      `insert into tagged_item (tag_id, content_type_id, object_id, created_at)
       select tag, ?, k, timestamptz '2024-01-01' + n * interval '1 second'
       from unnest(?::text[]) with ordinality as o(k, n) cross join unnest(?::int[]) as tag`,
      [ct, animalIds, `{${[popular, ...rare].join(',')}}`],
    );
    await t.sql(
      `insert into comment (content_type_id, object_id, author_id, body, created_at)
       select ?, ?, ?, 'hot ' || g, timestamptz '2024-01-01' + g * interval '1 second' from generate_series(1, ?) g
       union all select ?, k, ?, 'other', now() from unnest(?::text[]) k`,
      [ct, hot.key, user.id, HEAVY, ct, user.id, animalIds],
    );
    await t.sql(
      `insert into activity_entry (verb, content_type_id, object_id, object_repr, created_at)
       select 'viewed', ?, ?, 'Hot', timestamptz '2024-01-01' + g * interval '1 second' from generate_series(1, ?) g
       union all select 'created', ?, k, 'other', now() from unnest(?::text[]) k`,
      [ct, hot.key, HEAVY, ct, animalIds],
    );
    await t.sql(
      `insert into content_link (source_type_id, source_id, target_type_id, target_id, kind)
       select ?, ?, ?, k, 'related' from unnest(?::text[]) k
       union all select ?, k, ?, ?, 'related' from unnest(?::text[]) k`,
      [ct, hot.key, ct, animalIds, ct, ct, hot.key, animalIds],
    );
    await t.sql(
      `insert into cg_fixture_vote (content_type_id, object_id, voter_id, value, created_at)
       select ?, ?, u, v, now() - (u * 100 + length(v)) * interval '1 second'
       from unnest(?::int[]) u cross join unnest(array['yes', 'no', 'maybe', 'abstain', 'later', 'never', 'always', 'sometimes', 'often', 'rarely']) v
       union all select ?, k, ?, 'yes', now() from unnest(?::text[]) k`,
      [ct, hot.key, `{${users.map((u) => u.id).join(',')}}`, ct, user.id, animalIds],
    );
    // A tag on objects of two types (integer and uuid keys), in tables of thousands of rows: its page loads the
    // targets of both types in one statement.
    const fossils = await t.sql<{ key: string }>(`insert into cg_fixture_fossil (id, name) select gen_random_uuid(), 'Fossil ' || g from generate_series(1, ?) g returning id::text as key`, [HEAVY / 2]);
    const [mixed] = await createTags(t.sql, ['mixed']);
    // Enough tags for a lookup by name to be worth its index (tag_name_key_unique), as in any real tag table.
    await createTags(t.sql, Array.from({ length: 400 }, (_, i) => `filler ${i}`));
    await t.sql(
      `insert into tagged_item (tag_id, content_type_id, object_id) select ?, ?, k from unnest(?::text[]) k union all select ?, ?, k from unnest(?::text[]) k`,
      [mixed, ct, `{${others.slice(0, 30).map((o) => o.key).join(',')}}`, mixed, cts.FixtureFossil, `{${fossils.slice(0, 30).map((o) => o.key).join(',')}}`],
    );
    await t.sql('analyze');
  }, 60_000);
  afterAll(() => t?.stop());

  it('the items of a tag with thousands of items: a backward range of tagged_item_tag_page_index, first page and after a cursor', async () => {
    const query = `query($after: String) { tag(name: "popular") { items(first: 20, after: $after) { edges { cursor node { __typename } } } } }`;
    const first = await pagesOf(query);
    expect(first.data.tag.items.edges).toHaveLength(20);
    expect(first.pages).toHaveLength(1);
    const firstPlan = await explain(first.pages[0]);
    await expectIndexRange(firstPlan, 'tagged_item', 'tagged_item_tag_page_index');
    // The first page comes in the statement that finds the tag by its key.
    expect(firstPlan, firstPlan).toMatch(/Index Scan using tag_name_key_unique on tag\b/);
    const next = await pagesOf(query, { after: first.data.tag.items.edges[19].cursor });
    expect(next.pages).toHaveLength(1);
    await expectIndexRange(await explain(next.pages[0]), 'tagged_item', 'tagged_item_tag_page_index');
  });

  it('the targets of a page across content types: one statement, a primary key probe per key and type, no scan of a whole table', async () => {
    captured = [];
    const result = await t.gql(`{ tag(name: "mixed") { items(first: 50) { edges { node { __typename ... on Node { id } } } } } }`);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    const typeNames = new Set(result.data.tag.items.edges.map((e: { node: { __typename: string } }) => e.node.__typename));
    expect([...typeNames].sort()).toEqual(['FixtureAnimal', 'FixtureFossil']);
    const targets = captured.filter((s) => /left join lateral/i.test(s.sql));
    expect(targets, captured.map((s) => s.sql).join('\n')).toHaveLength(1);
    const plan = await explain(targets[0]);
    for (const table of ['cg_fixture_animal', 'cg_fixture_fossil']) expect(plan, plan).toMatch(new RegExp(`Index Scan using ${table}_pkey on ${table}\\b`));
    await expectTargetProbes(plan);
  });

  it('every reverse relation of a heavily attached object, batched with its neighbours: one LATERAL page per relation end, each an index range', async () => {
    const { data, pages } = await pagesOf(`{
      fixtureAnimals(first: 5) { edges { node {
        comments(first: 3) { edges { node { body } } }
        activity(first: 3) { edges { node { verb } } }
        outgoingLinks(first: 3) { edges { node { kind } } }
        incomingLinks(first: 3) { edges { node { kind } } }
        fixtureVotes(first: 3) { edges { node { value } } }
      } } }
    }`);
    const nodes = data.fixtureAnimals.edges.map((e: { node: unknown }) => e.node);
    expect(nodes).toHaveLength(5);
    expect(nodes.some((n: { comments: { edges: { node: { body: string } }[] } }) => n.comments.edges.some((e) => e.node.body.startsWith('hot ')))).toBe(true);
    const expected: [RegExp, string, string][] = [
      [/ from "comment" g /, 'comment', 'comment_target_index'],
      [/ from "activity_entry" g /, 'activity_entry', 'activity_entry_target_index'],
      [/ from "content_link" g where g\."source_type_id"/, 'content_link', 'content_link_source_index'],
      [/ from "content_link" g where g\."target_type_id"/, 'content_link', 'content_link_target_index'],
      [/ from "cg_fixture_vote" g /, 'cg_fixture_vote', 'cg_fixture_vote_content_type_id_object_id_created_at_id_index'],
    ];
    expect(pages).toHaveLength(expected.length);
    for (const [pattern, table, index] of expected) {
      const page = pages.find((p) => pattern.test(p.sql));
      expect(page, `${pattern} in ${pages.map((p) => p.sql).join('\n')}`).toBeDefined();
      await expectIndexRange(await explain(page!), table, index);
    }
  });

  it('pages equal a full sort of the rows: newest first for tag items, oldest first for comments, across a cursor', async () => {
    const hotComments = await t.sql<{ body: string }>(`select body from comment where content_type_id = ? and object_id = ? order by created_at, id limit 6`, [hot.ct, hot.key]);
    const query = `query($id: ID!, $after: String) { node(id: $id) { ... on FixtureAnimal { comments(first: 3, after: $after) { edges { cursor node { body } } } } } }`;
    const one = await t.gql(query, { id: hot.gid });
    const two = await t.gql(query, { id: hot.gid, after: one.data.node.comments.edges[2].cursor });
    expect([...one.data.node.comments.edges, ...two.data.node.comments.edges].map((e: { node: { body: string } }) => e.node.body)).toEqual(hotComments.map((c) => c.body));
  });
  // Last: it adds the newest activity entries, which the tests above do not expect.
  it('the targets of a feed across content types (contentObject): one statement, a primary key probe per key and type', async () => {
    const cts = await contentTypeIds(t.sql);
    const animals = await createObjects(t.sql, cts, 'FixtureAnimal', 25, 'Feed animal');
    const fossils = await t.sql<{ key: string }>(`select id::text as key from cg_fixture_fossil order by id limit 25`);
    await t.sql(
      `insert into activity_entry (verb, content_type_id, object_id, object_repr, created_at)
       select 'viewed', ?, k, 'feed', now() + interval '1 day' from unnest(?::text[]) k
       union all select 'viewed', ?, k, 'feed', now() + interval '1 day' from unnest(?::text[]) k`,
      [cts.FixtureAnimal, `{${animals.map((a) => a.key).join(',')}}`, cts.FixtureFossil, `{${fossils.map((f) => f.key).join(',')}}`],
    );
    await t.sql('analyze activity_entry');
    captured = [];
    const result = await t.gql(`{ activity(first: 50) { edges { node { target { __typename ... on Node { id } } } } } }`);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    const typeNames = new Set(result.data.activity.edges.map((e: { node: { target: { __typename: string } } }) => e.node.target.__typename));
    expect([...typeNames].sort()).toEqual(['FixtureAnimal', 'FixtureFossil']);
    const targets = captured.filter((s) => /^select k\.ct as cg_ct/.test(s.sql));
    expect(targets, captured.map((s) => s.sql).join('\n')).toHaveLength(1);
    const plan = await explain(targets[0]);
    for (const table of ['cg_fixture_animal', 'cg_fixture_fossil']) expect(plan, plan).toMatch(new RegExp(`Index Scan using ${table}_pkey on ${table}\\b`));
    expect(plan, plan).not.toMatch(/Seq Scan on cg_fixture|Hash/);
  });
});
