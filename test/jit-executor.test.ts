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
  GraphQLSchema,
  GraphQLString,
  GraphQLUnionType,
  parse,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/server/config.js';
import { jitExecutor, type JitOptions, MAX_COMPILED_QUERIES } from '../src/server/jit.executor.js';
import { createContent, createTestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { parsePrometheusText } from './helpers/prometheus-text.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** A schema with what the app's has: an interface, a union resolved by class, async fields, lists, non-null errors, a @oneOf input. */
class Book {
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
const BookType = new GraphQLObjectType({
  name: 'Book',
  interfaces: [Node],
  fields: {
    id: { type: new GraphQLNonNull(GraphQLID) },
    title: { type: GraphQLString },
    tags: tagsField,
    broken: { type: new GraphQLNonNull(GraphQLString), resolve: () => Promise.reject(new GraphQLError('no such thing', { extensions: { code: 'BROKEN' } })) },
  },
});
const FilmType = new GraphQLObjectType({ name: 'Film', interfaces: [Node], fields: { id: { type: new GraphQLNonNull(GraphQLID) }, name: { type: GraphQLString }, tags: tagsField } });
const Item = new GraphQLUnionType({ name: 'Item', types: [BookType, FilmType], resolveType: (value) => (value instanceof Book ? 'Book' : value instanceof Film ? 'Film' : undefined) });
const Ref = new GraphQLInputObjectType({ name: 'Ref', isOneOf: true, fields: { id: { type: GraphQLID }, title: { type: GraphQLString } } });
const items = [new Book(1, 'Dune'), new Film(2, 'Alien'), new Book(3, 'Emma')];
let writes = 0;
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      items: { type: new GraphQLNonNull(new GraphQLList(Item)), args: { first: { type: GraphQLInt } }, resolve: async (_s, { first }) => items.slice(0, first ?? 10) },
      find: {
        type: Item,
        args: { ref: { type: new GraphQLNonNull(Ref) } },
        resolve: (_s, { ref }) => items.find((item) => String(item.id) === ref.id || (item instanceof Book && item.title === ref.title)) ?? null,
      },
      viewer: { type: GraphQLString, resolve: (_s, _a, context: { user?: string }) => context.user ?? null },
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
  { source: '{ items { __typename ... on Book { title tags { name } } ... on Film { name } } }' },
  { source: 'query($n: Int) { a: items(first: $n) { ...F } b: items(first: 1) { ... on Node { id } } } fragment F on Item { ... on Film { id tags(first: 1) { name } } }', variables: { n: 2 } },
  { source: 'query($skip: Boolean!) { items { ... on Book { title @skip(if: $skip) id @include(if: $skip) } } }', variables: { skip: true } },
  { source: 'query($skip: Boolean!) { items { ... on Book { title @skip(if: $skip) id @include(if: $skip) } } }', variables: { skip: false } },
  // An error in a non-null field nulls its parent, with the error's path and code.
  { source: '{ items { ... on Book { title broken } } }' },
  { source: 'query($ref: Ref!) { find(ref: $ref) { ... on Book { title } } }', variables: { ref: { title: 'Emma' } } },
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
    // the two documents without an operation to run are never compiled.
    expect(events.filter((e) => e === 'compiled')).toHaveLength(QUERIES.length - 2);
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
      expect(plain(await run(hot))).toEqual({ data: { hot: [{ __typename: 'Book' }] } });
    }
    expect(events.filter((e) => e === 'compiled')).toHaveLength(MAX_COMPILED_QUERIES + 41);
    expect(events.filter((e) => e === 'evicted')).toHaveLength(41);
  });

  it('answers 200 concurrent executions of one query right, compiling it once', async () => {
    const { run, events } = runner({ compileAfter: 2 });
    const document = parse('query($n: Int) { items(first: $n) { ... on Book { title tags { name } } ... on Film { name } } }');
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
    await t.gql('mutation($target: ID!) { addTags(target: $target, names: ["jit-a", "jit-b"]) { name } }', { target: tagged.id }, { token: user.token });
    await t.gql('mutation($target: ID!) { addComment(target: $target, body: "jit") { id } }', { target: tagged.id }, { token: user.token });
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
