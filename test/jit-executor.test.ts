import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import {
  type DocumentNode,
  execute,
  getOperationAST,
  GraphQLError,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLInterfaceType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  GraphQLUnionType,
  parse,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/server/config.js';
import { compiledFieldsBound, jitExecutor, type JitOptions, MAX_COMPILED_FIELDS, MAX_COMPILED_PER_DOCUMENT, MAX_COMPILED_QUERIES } from '../src/server/jit.executor.js';
import { createContent, createTestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { parsePrometheusText } from './helpers/prometheus-text.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** A schema with what the app's has: an interface, a union resolved by class, async fields, lists, non-null errors, a @oneOf input. */
class Novel {
  constructor(
    readonly id: number,
    readonly title: string,
  ) {}
}
class Film {
  constructor(
    readonly id: number,
    readonly name: string,
  ) {}
}
const Node = new GraphQLInterfaceType({ name: 'Node', fields: { id: { type: new GraphQLNonNull(GraphQLID) } } });
const Tag = new GraphQLObjectType({ name: 'Tag', fields: { name: { type: new GraphQLNonNull(GraphQLString) } } });
const tagsField = {
  type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(Tag))),
  args: { first: { type: GraphQLInt } },
  resolve: async (source: { id: number }, args: { first?: number | null }) => [{ name: `t${source.id}` }, { name: 'shared' }].slice(0, args.first ?? 10),
};
const NovelType: GraphQLObjectType = new GraphQLObjectType({
  name: 'Novel',
  interfaces: [Node],
  fields: () => ({
    id: { type: new GraphQLNonNull(GraphQLID) },
    title: { type: GraphQLString },
    tags: tagsField,
    broken: { type: new GraphQLNonNull(GraphQLString), resolve: () => Promise.reject(new GraphQLError('no such thing', { extensions: { code: 'BROKEN' } })) },
    related: { type: new GraphQLList(Item), resolve: () => items.slice(0, 2) },
  }),
});
const FilmType: GraphQLObjectType = new GraphQLObjectType({
  name: 'Film',
  interfaces: [Node],
  fields: () => ({ id: { type: new GraphQLNonNull(GraphQLID) }, name: { type: GraphQLString }, tags: tagsField, related: { type: new GraphQLList(Item), resolve: () => items.slice(0, 1) } }),
});
const Item: GraphQLUnionType = new GraphQLUnionType({ name: 'Item', types: [NovelType, FilmType], resolveType: (value) => (value instanceof Novel ? 'Novel' : value instanceof Film ? 'Film' : undefined) });
// type-graphql makes a given resolveType async; graphql-jit would not await it.
const Slow = new GraphQLUnionType({ name: 'Slow', types: [NovelType, FilmType], resolveType: async (value) => (value instanceof Novel ? 'Novel' : 'Film') });
const Moment = new GraphQLScalarType({
  name: 'Moment',
  serialize: (value) => (value as Date).toISOString(),
  parseValue: (value) => new Date(value as string),
});
class Unexpected extends Error {
  code = 'ECONNREFUSED';
}
const Ref = new GraphQLInputObjectType({ name: 'Ref', isOneOf: true, fields: { id: { type: GraphQLID }, title: { type: GraphQLString } } });
const items = [new Novel(1, 'Dune'), new Film(2, 'Alien'), new Novel(3, 'Emma')];
let writes = 0;
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      items: { type: new GraphQLNonNull(new GraphQLList(Item)), args: { first: { type: GraphQLInt } }, resolve: async (_s, { first }) => items.slice(0, first ?? 10) },
      find: {
        type: Item,
        args: { ref: { type: new GraphQLNonNull(Ref) } },
        resolve: (_s, { ref }) => items.find((item) => String(item.id) === ref.id || (item instanceof Novel && item.title === ref.title)) ?? null,
      },
      viewer: { type: GraphQLString, resolve: (_s, _a, context: { user?: string }) => context.user ?? null },
      slow: { type: Slow, resolve: () => items[1] },
      echo: { type: GraphQLString, args: { at: { type: Moment }, n: { type: GraphQLInt } }, resolve: (_s, { at, n }) => `${at instanceof Date ? 'a date' : typeof at} ${n ?? '-'}` },
      fails: { type: GraphQLString, resolve: () => Promise.reject(new Unexpected('connect ECONNREFUSED 127.0.0.1:5432')) },
      failsNonNull: { type: new GraphQLNonNull(GraphQLString), resolve: () => null },
    },
  }),
  mutation: new GraphQLObjectType({ name: 'Mutation', fields: { write: { type: GraphQLInt, resolve: () => ++writes } } }),
  types: [Node],
});

function runner(options: Partial<JitOptions> = {}) {
  const events: string[] = [];
  const executor = jitExecutor(schema, { compileAfter: 2, onCompile: (event) => events.push(event), ...options });
  const run = (document: DocumentNode, variables: Record<string, unknown> = {}, operationName?: string, context: object = {}) =>
    executor({
      document,
      operation: getOperationAST(document, operationName) ?? undefined,
      request: { variables, operationName },
      context,
    } as unknown as GatewayGraphQLRequestContext);
  return { run, events };
}

const reference = async (document: DocumentNode, variables: Record<string, unknown> = {}, operationName?: string, context: object = {}) =>
  JSON.parse(JSON.stringify(await execute({ schema, document, variableValues: variables, operationName, contextValue: context })));
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

const QUERIES: { source: string; variables?: Record<string, unknown>; operationName?: string; context?: object }[] = [
  { source: '{ items { __typename ... on Novel { title tags { name } } ... on Film { name } } }' },
  { source: 'query($n: Int) { a: items(first: $n) { ...F } b: items(first: 1) { ... on Node { id } } } fragment F on Item { ... on Film { id tags(first: 1) { name } } }', variables: { n: 2 } },
  { source: 'query($skip: Boolean!) { items { ... on Novel { title @skip(if: $skip) id @include(if: $skip) } } }', variables: { skip: true } },
  { source: 'query($skip: Boolean!) { items { ... on Novel { title @skip(if: $skip) id @include(if: $skip) } } }', variables: { skip: false } },
  // Defaults of non-null variables, not given: graphql-jit alone would take them as missing.
  { source: 'query($skip: Boolean! = false) { items { ... on Novel { title @skip(if: $skip) } } }' },
  // Variables named as Object.prototype's keys, given or not.
  { source: 'query($__proto__: Int! = 1) { items(first: $__proto__) { __typename } }' },
  { source: 'query($__proto__: Int) { items(first: $__proto__) { __typename } }', variables: JSON.parse('{"__proto__": 2}') },
  { source: 'query($constructor: Int, $toString: Int, $hasOwnProperty: Int = 1) { a: items(first: $constructor) { __typename } b: items(first: $toString) { __typename } c: items(first: $hasOwnProperty) { __typename } }' },
  { source: 'query($n: Int! = 1, $m: Int = 2) { a: items(first: $n) { __typename } b: items(first: $m) { __typename } }', variables: { m: null } },
  // An error in a non-null field nulls its parent, with the error's path and code.
  { source: '{ items { ... on Novel { title broken } } }' },
  { source: 'query($ref: Ref!) { find(ref: $ref) { ... on Novel { title } } }', variables: { ref: { title: 'Emma' } } },
  { source: 'query A { viewer } query B { items(first: 1) { __typename } }', operationName: 'A', context: { user: 'ada' } },
  { source: 'query A { viewer } query B { items(first: 1) { __typename } }', operationName: 'B' },
  // No such operation, or none named among several: graphql-js's error, as Apollo Server's own path answers.
  { source: 'query A { viewer }', operationName: 'Nope' },
  { source: 'query A { viewer } query B { viewer }' },
];

describe('GRAPHQL_COMPILE_AFTER', () => {
  it('is 2 by default (also in production), 0 turns compiling off, and anything but a whole number stops start-up', () => {
    expect(loadConfig({}).compileQueriesAfter).toBe(2);
    expect(loadConfig({ NODE_ENV: 'production' }).compileQueriesAfter).toBe(2);
    expect(loadConfig({ GRAPHQL_COMPILE_AFTER: '' }).compileQueriesAfter).toBe(2);
    expect(loadConfig({ GRAPHQL_COMPILE_AFTER: '0' }).compileQueriesAfter).toBe(0);
    expect(loadConfig({ GRAPHQL_COMPILE_AFTER: '1' }).compileQueriesAfter).toBe(1);
    for (const bad of ['-1', '1.5', 'two', '1e3', '0x10', '\u0661', '1000001', '9'.repeat(400)]) {
      expect(() => loadConfig({ GRAPHQL_COMPILE_AFTER: bad }), JSON.stringify(bad)).toThrow(/GRAPHQL_COMPILE_AFTER must be a whole number/);
    }
  });
});

describe('compiled queries (graphql-jit) answer as graphql-js does', () => {
  it('gives the same answers, errors and paths from the first (graphql-js) and the later (compiled) executions', async () => {
    const { run, events } = runner();
    for (const { source, variables, operationName, context } of QUERIES) {
      const document = parse(source);
      const expected = await reference(document, variables, operationName, context);
      for (let i = 0; i < 3; i++) expect(plain(await run(document, variables, operationName, context)), `${source} (run ${i + 1})`).toEqual(expected);
    }
    // Two operations of one document compile apart; the skip/include documents are two parses of one text;
    // the two documents without an operation to run are never compiled; the three with variables named as
    // Object.prototype's keys are refused.
    expect(events.filter((e) => e === 'compiled')).toHaveLength(QUERIES.length - 2 - 3);
    expect(events.filter((e) => e === 'refused')).toHaveLength(3);
  });

  it("gives errors graphql-js's shape (extensions an object, the thrown error as originalError, path, locations), which Apollo Server's formatting needs", async () => {
    const { run, events } = runner({ compileAfter: 2 });
    const document = parse('{ viewer fails items(first: 1) { ... on Novel { broken } } }');
    const failsNonNull = parse('{ failsNonNull }');
    for (const doc of [document, failsNonNull]) {
      const results = [await run(doc), await run(doc), await run(doc)];
      for (const result of results) {
        expect(plain(result)).toEqual(plain(results[0]));
        for (const [i, error] of result.errors!.entries()) {
          const reference = results[0].errors![i];
          expect(error).toBeInstanceOf(GraphQLError);
          expect(error.extensions).toEqual(expect.any(Object));
          expect(error.extensions).toEqual(reference.extensions);
          expect(error.path).toEqual(reference.path);
          expect(error.locations).toEqual(reference.locations);
          expect(error.originalError?.constructor).toBe(reference.originalError?.constructor);
        }
      }
    }
    const unexpected = (await run(document)).errors!.find((error) => error.path?.[0] === 'fails')!;
    expect(unexpected.originalError).toBeInstanceOf(Unexpected);
    expect((unexpected.originalError as Unexpected).code).toBe('ECONNREFUSED');
    expect(events).toEqual(['compiled', 'compiled']);
  });

  it('leaves to graphql-js, for good, what graphql-jit would run differently: an async resolveType, a default value of a custom scalar', async () => {
    const { run, events } = runner({ compileAfter: 1 });
    const slow = parse('{ slow { ... on Film { name } } }');
    const momentDefault = parse('query($at: Moment = "2026-01-01T00:00:00.000Z") { echo(at: $at) }');
    const intDefault = parse('query($n: Int = 7, $at: Moment) { echo(n: $n, at: $at) }');
    for (let i = 0; i < 3; i++) {
      expect(plain(await run(slow))).toEqual({ data: { slow: { name: 'Alien' } } });
      expect(plain(await run(momentDefault))).toEqual({ data: { echo: 'a date -' } });
      expect(plain(await run(intDefault, { at: '2026-01-01T00:00:00.000Z' }))).toEqual({ data: { echo: 'a date 7' } });
    }
    // The first two once each (never tried again), the built-in default compiled.
    expect(events).toEqual(['refused', 'refused', 'compiled']);
  });

  it(`leaves to graphql-js an operation whose compiled code would cover more than ${MAX_COMPILED_FIELDS} fields (unions nested in unions multiply it)`, async () => {
    const nested = (levels: number) => {
      let inner = '__typename';
      for (let i = 0; i < levels; i++) inner = `__typename ... on Novel { title related { ${inner} } } ... on Film { name related { ${inner} } }`;
      return parse(`{ items(first: 2) { ${inner} } }`);
    };
    const bound = (document: DocumentNode) => compiledFieldsBound(schema, document, getOperationAST(document)!, Infinity);
    expect(bound(parse('{ items { __typename } }'))).toBe(1 + 2);
    expect(bound(parse('{ viewer a: viewer ...F } fragment F on Query { items { ... on Novel { title } } }'))).toBe(2 + 1 + 2);
    const { run, events } = runner({ compileAfter: 1 });
    const small = nested(2);
    expect(bound(small)).toBeLessThanOrEqual(MAX_COMPILED_FIELDS);
    const large = nested(5);
    expect(bound(large)).toBeGreaterThan(MAX_COMPILED_FIELDS);
    for (let i = 0; i < 2; i++) {
      expect(plain(await run(small))).toEqual(await reference(small));
      expect(plain(await run(large))).toEqual(await reference(large));
    }
    expect(events).toEqual(['compiled', 'refused']);
  });

  it(`compiles at most ${MAX_COMPILED_PER_DOCUMENT} operations of one document; the others run on graphql-js, right`, async () => {
    const { run, events } = runner({ compileAfter: 1 });
    const names = Array.from({ length: 40 }, (_, i) => `q${i}`);
    const document = parse(names.map((name, i) => `query ${name} { ${name}: items(first: ${i % 4}) { __typename } }`).join('\n'));
    for (let round = 0; round < 2; round++) {
      for (const name of names) expect(plain(await run(document, {}, name))).toEqual(await reference(document, {}, name));
    }
    expect(events.filter((e) => e === 'compiled')).toHaveLength(MAX_COMPILED_PER_DOCUMENT);
    expect(events.filter((e) => e === 'refused')).toHaveLength(names.length - MAX_COMPILED_PER_DOCUMENT);
    expect(events.filter((e) => e === 'evicted')).toHaveLength(0);
  });

  it('refuses variables as graphql-js does, @oneOf included (graphql-jit alone does not check it), before any resolver runs', async () => {
    const { run, events } = runner({ compileAfter: 1 });
    const document = parse('query($ref: Ref!, $n: Int) { find(ref: $ref) { __typename } items(first: $n) { __typename } }');
    const hostile: Record<string, unknown>[] = [
      { ref: { id: '1', title: 'Dune' } },
      { ref: {} },
      { ref: { id: null } },
      { ref: { id: '1' }, n: 'ten' },
      { ref: { id: '1' }, n: 2 ** 40 },
      { ref: { id: '1', ['__proto__']: { title: 'x' } } },
      { ref: 'Dune' },
      {},
    ];
    for (const variables of hostile) {
      const expected = await reference(document, variables);
      expect(expected.errors?.length, JSON.stringify(variables)).toBeGreaterThan(0);
      expect(plain(await run(document, variables)), JSON.stringify(variables)).toEqual(expected);
    }
    expect(events).toEqual(['compiled']);
  });

  it('runs mutations through graphql-js only, once each', async () => {
    const { run, events } = runner({ compileAfter: 1 });
    const document = parse('mutation { write }');
    const before = writes;
    for (let i = 1; i <= 3; i++) expect(plain(await run(document))).toEqual({ data: { write: before + i } });
    expect(events).toEqual([]);
  });

  it('compiles nothing with compileAfter 0, and nothing for documents seen fewer times than compileAfter', async () => {
    const off = runner({ compileAfter: 0 });
    const document = parse('{ items { __typename } }');
    for (let i = 0; i < 5; i++) await off.run(document);
    expect(off.events).toEqual([]);
    // A hostile client's one-off documents (each its own parse) are never compiled.
    const twice = runner({ compileAfter: 2 });
    for (let i = 0; i < 50; i++) await twice.run(parse(`{ a${i}: items(first: ${i % 3}) { __typename } }`));
    expect(twice.events).toEqual([]);
  });

  it(`keeps at most ${MAX_COMPILED_QUERIES} queries compiled, dropping the least recently used, and stays right`, async () => {
    const { run, events } = runner({ compileAfter: 1 });
    const hot = parse('{ hot: items(first: 1) { __typename } }');
    for (let i = 0; i < MAX_COMPILED_QUERIES + 40; i++) {
      const document = parse(`{ q${i}: items(first: ${i % 4}) { __typename } }`);
      expect(plain(await run(document))).toEqual(await reference(document));
      // Used all along: never the least recently used, never dropped.
      expect(plain(await run(hot))).toEqual({ data: { hot: [{ __typename: 'Novel' }] } });
    }
    expect(events.filter((e) => e === 'compiled')).toHaveLength(MAX_COMPILED_QUERIES + 41);
    expect(events.filter((e) => e === 'evicted')).toHaveLength(41);
  });

  it('keeps the count right when a document with several compiled operations is the one evicted, or compiles more while full', async () => {
    const { run, events } = runner({ compileAfter: 1 });
    const several = (tag: string) => parse(['A', 'B', 'C'].map((name) => `query ${name} { ${tag}${name}: items(first: 1) { __typename } }`).join('\n'));
    const documents = Array.from({ length: MAX_COMPILED_QUERIES }, (_, i) => several(`d${i}_`));
    // Compile a few operations of every document (3 × 256 > 256): the cache keeps evicting whole documents, never beyond the cap.
    for (const document of documents) for (const name of ['A', 'B', 'C']) expect((await run(document, {}, name)).errors).toBeUndefined();
    const compiled = events.filter((e) => e === 'compiled').length;
    const evicted = events.filter((e) => e === 'evicted').length;
    expect(compiled).toBe(3 * MAX_COMPILED_QUERIES);
    // Each eviction drops a whole document of 3: what is kept is at most the cap.
    expect(compiled - 3 * evicted).toBeLessThanOrEqual(MAX_COMPILED_QUERIES);
    expect(compiled - 3 * evicted).toBeGreaterThan(MAX_COMPILED_QUERIES - 3);
  });

  it('answers 200 concurrent executions of one query right, compiling it once', async () => {
    const { run, events } = runner({ compileAfter: 2 });
    const document = parse('query($n: Int) { items(first: $n) { ... on Novel { title tags { name } } ... on Film { name } } }');
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => run(document, { n: i % 4 })));
    for (let i = 0; i < 200; i++) expect(plain(results[i])).toEqual(await reference(document, { n: i % 4 }));
    expect(events).toEqual(['compiled']);
  });
});

describe(`compiled queries in the server (GRAPHQL_COMPILE_AFTER=2, ${databaseKind})`, () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ compileQueriesAfter: 2 }, { app: 'core' });
  });
  afterAll(() => t?.stop());
  const compilations = async (event: string) =>
    parsePrometheusText(await (await fetch(t.url.replace(/\/graphql$/, '/metrics'))).text()).value('graphql_query_compilations_total', { event });

  it('answers a query the same, with the same statements, before and after it is compiled, and counts the compilation', async () => {
    const user = await createTestUser(t, 'jit-reader');
    const tagged = await createContent(t, user.token, 'FixtureFossil', { name: 'Compiled' });
    expect((await t.gql('mutation($target: ID!) { addTags(target: $target, names: ["jit-a", "jit-b"]) { changed } }', { target: tagged.id }, { token: user.token })).errors).toBeUndefined();
    expect((await t.gql('mutation($target: ID!) { addComment(target: $target, body: "jit") { id } }', { target: tagged.id }, { token: user.token })).errors).toBeUndefined();
    const query = `query Feed($first: Int) {
      activity(first: $first) { edges { cursor node { verb objectRepr createdAt actor { name } target { __typename ... on Taggable { tags { name } } ... on Commentable { commentCount } } } } pageInfo { hasNextPage endCursor } }
      viewer { name }
    }`;
    const before = await compilations('compiled');
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await t.gql(query, { first: 10 }, { token: user.token }));
    for (const run of runs) {
      expect(run.errors).toBeUndefined();
      expect(run.data).toEqual(runs[0].data);
      expect(run.extensions?.sqlStatements).toBe(runs[0].extensions?.sqlStatements);
    }
    expect(runs[0].data.activity.edges.length).toBeGreaterThanOrEqual(3);
    expect(runs[0].data.viewer.name).toBeTruthy();
    expect((await compilations('compiled')) - before).toBe(1);
    // A refused variable is graphql-js's refusal, from the compiled path too: 400, BAD_USER_INPUT, nothing run.
    const refused = await t.gql(query, { first: 'ten' }, { token: user.token });
    expect(refused.status).toBe(400);
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.extensions?.sqlStatements ?? 0).toBe(0);
  });

  it("answers a database error inside a compiled query as graphql-js's path does: masked by the server, with its path", async () => {
    const user = await createTestUser(t, 'jit-failing');
    const target = await createContent(t, user.token, 'FixtureFossil', { name: 'Tagged, then broken' });
    expect((await t.gql('mutation($target: ID!) { addTags(target: $target, names: ["jit-broken"]) { changed } }', { target: target.id }, { token: user.token })).errors).toBeUndefined();
    const query = 'query Broken($id: ID!) { node(id: $id) { id ... on Taggable { tags { name } } } }';
    const before = await compilations('compiled');
    const ok = await t.gql(query, { id: target.id });
    expect(ok.data.node.tags).toEqual([{ name: 'jit-broken' }]);
    await t.sql('alter table tagged_item rename to tagged_item_gone');
    const runs = [];
    try {
      for (let i = 0; i < 3; i++) runs.push(await t.gql(query, { id: target.id }));
    } finally {
      await t.sql('alter table tagged_item_gone rename to tagged_item');
    }
    // `ok` ran on graphql-js; the first broken run too; the second compiled it: graphql-js's answer against the compiled ones.
    expect((await compilations('compiled')) - before).toBe(1);
    for (const run of runs) {
      expect(run.status).toBe(runs[0].status);
      expect(run.errors).toEqual(runs[0].errors);
      expect(run.data).toEqual(runs[0].data);
    }
    expect(runs[0].errors?.[0]).toMatchObject({ path: ['node', 'tags'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(runs[0].errors?.[0].message).not.toMatch(/tagged_item/);
  });

  it('never compiles a mutation, and runs each once', async () => {
    const user = await createTestUser(t, 'jit-writer');
    const target = await createContent(t, user.token, 'FixtureFossil', { name: 'Written thrice' });
    const before = await compilations('compiled');
    const add = 'mutation($target: ID!) { addComment(target: $target, body: "again") { id } }';
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await t.gql(add, { target: target.id }, { token: user.token });
      expect(res.errors).toBeUndefined();
      ids.add(res.data.addComment.id);
    }
    expect(ids.size).toBe(3);
    expect(await compilations('compiled')).toBe(before);
  });
});
