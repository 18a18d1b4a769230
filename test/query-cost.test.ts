import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliasQuery, deepQuery, hugeDocument } from './helpers/attacks.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Issue 7's attacks over HTTP, on the default limits: each is refused before
 * execution (no SQL statement), with QUERY_TOO_COMPLEX, the measured value,
 * the limit and what to change; the server answers normally right after.
 */
describe(`operation cost before execution (${databaseKind})`, () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t?.stop());

  const refusals: [string, () => string, string][] = [
    ['the depth-3 query', () => deepQuery(3), 'depth'],
    ['the depth-30 query', () => deepQuery(30), 'depth'],
    ['200 aliases', () => aliasQuery(200), 'tokens'],
    ['1,000 aliases', () => aliasQuery(1000), 'tokens'],
    ['a 1 MB document', () => hugeDocument(1_000_000), 'tokens'],
  ];

  for (const [name, build, limit] of refusals) {
    it(`refuses ${name} with QUERY_TOO_COMPLEX and no SQL, then serves a normal query`, async () => {
      const res = await t.gql(build());
      expect(res.status).toBe(400);
      expect(res.data).toBeUndefined();
      expect(res.errors).toHaveLength(1);
      const [error] = res.errors!;
      expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit });
      expect(error.extensions!.measured as number).toBeGreaterThan(error.extensions!.maximum as number);
      expect(error.message).toContain(`the limit is`);
      expect(error.extensions).not.toHaveProperty('http');
      expect(res.extensions?.sqlStatements ?? 0).toBe(0);
      const after = await t.gql('{ health { ok } users(first: 1) { edges { node { id } } } }');
      expect(after.status).toBe(200);
      expect(after.errors).toBeUndefined();
      expect(after.data.health.ok).toBe(true);
    });
  }

  it('refuses the alias attack by its aliases when the token limit lets it through', async () => {
    const wide = await startTestServer({ limits: { ...t.server.services.config.limits, maxTokens: 100_000 } });
    try {
      const aliases = await wide.gql(aliasQuery(200));
      expect(aliases.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', measured: 200, maximum: 30 });
      expect(aliases.extensions?.sqlStatements).toBe(0);
    } finally {
      await wide.stop();
    }
  });

  it('refuses both attacks by their cost when only the cost limit is left', async () => {
    const limits = { ...t.server.services.config.limits, maxTokens: 100_000, maxAliases: 10_000, maxFields: 100_000, maxDepth: 1000 };
    const costOnly = await startTestServer({ limits });
    try {
      const aliases = await costOnly.gql(aliasQuery(200));
      expect(aliases.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', measured: 1_100_000, maximum: 50_000 }); // 200 × 100 entries × (edge, node, target, 50 tags, actor …)
      expect(aliases.errors![0].message).toContain('Ask for smaller pages (`first`)');
      expect(aliases.extensions?.sqlStatements).toBe(0);
      const deep = await costOnly.gql(deepQuery(3));
      expect(deep.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', maximum: 50_000 });
      expect(deep.errors![0].extensions!.measured as number).toBeGreaterThan(1e12);
      expect(deep.extensions?.sqlStatements).toBe(0);
      const thirty = await costOnly.gql(deepQuery(30));
      expect(thirty.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', measured: Number.MAX_SAFE_INTEGER });
    } finally {
      await costOnly.stop();
    }
  });

  it('reports the cost of an accepted operation next to sqlStatements, computed from its variables', async () => {
    const query = 'query($n: Int) { activity(first: $n) { edges { node { verb actor { name } } } } }';
    const small = await t.gql(query, { n: 10 });
    expect(small.errors).toBeUndefined();
    expect(small.extensions).toMatchObject({ cost: { cost: 10 * 4, depth: 5, aliases: 0, fields: 6, maxCost: 50_000 } });
    expect(small.extensions?.sqlStatements).toBeTypeOf('number');
    const large = await t.gql(query, { n: 100 });
    expect((large.extensions!.cost as { cost: number }).cost).toBe(400);
    const defaulted = await t.gql(query, {});
    expect((defaulted.extensions!.cost as { cost: number }).cost).toBe(80); // default page size 20: connection, edge, node, actor per item
  });

  it('counts a variable page size against the limit before running anything', async () => {
    const query = 'query($n: Int) { users(first: $n) { edges { node { comments(first: $n) { edges { node { author { tags { name } } } } } } } } }';
    const res = await t.gql(query, { n: 100 });
    expect(res.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    expect(res.extensions?.sqlStatements).toBe(0);
  });

  it('refuses a fragment that doubles at every level by its expanded size, quickly and without SQL', async () => {
    let document = 'query { ...F0 }';
    for (let i = 0; i < 40; i++) document += ` fragment F${i} on Query { health { ok } ...F${i + 1} ...F${i + 1} }`;
    document += ' fragment F40 on Query { health { ok } }';
    const res = await t.gql(document);
    expect(res.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'fields' });
    expect(res.extensions?.sqlStatements).toBe(0);
  });

  it('refuses absurd page sizes by cost before the resolver sees them; negative ones are the resolver\'s BAD_USER_INPUT', async () => {
    const huge = await t.gql('query($n: Int) { users(first: $n) { edges { node { id } } } }', { n: 2_147_483_647 });
    expect(huge.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    expect(huge.extensions?.sqlStatements).toBe(0);
    const negative = await t.gql('{ users(first: -1) { edges { node { id } } } }');
    expect(negative.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'first' });
  });

  it('costs introspection like any query: one copy of the schema passes, thirty are refused', async () => {
    const copy = (i: number) =>
      `s${i}: __schema { types { name fields { name args { name type { name } } type { name ofType { name } } } interfaces { name } possibleTypes { name } } }`;
    expect((await t.gql(`{ ${copy(0)} }`)).errors).toBeUndefined();
    const res = await t.gql(`{ ${Array.from({ length: 30 }, (_, i) => copy(i)).join(' ')} }`);
    expect(res.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    const nested = await t.gql('{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }');
    expect(nested.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED'); // graphql-js MaxIntrospectionDepthRule
  });

  it('answers a body above 1 MiB with 413 and a code, before parsing it', async () => {
    const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: hugeDocument(1_100_000) }) });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses batched requests (an array of operations would multiply every limit)', async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ health { ok } }' }, { query: '{ health { ok } }' }]),
    });
    expect(response.status).toBe(400);
  });
});
