import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCommandConfig, loadConfig } from '../src/server/config.js';
import { postgresPoolOptions } from '../src/server/orm.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('configuration of the request pipeline', () => {
  it('has documented defaults for development and production', () => {
    const development = loadConfig({});
    expect(development).toMatchObject({ introspection: true, suggestions: true, corsOrigins: '*', requestTimeoutMs: 10_000, trustProxy: 0 });
    expect(development.limits).toEqual({ maxCost: 50_000, maxDepth: 15, maxAliases: 30, maxFields: 1_000, maxTokens: 5_000 });
    const production = loadConfig({ NODE_ENV: 'production' });
    expect(production).toMatchObject({ introspection: false, suggestions: false, corsOrigins: [], statementCounts: false, rateLimitPoints: 1_000_000, rateLimitWindowSeconds: 60 });
  });

  it('reads every setting from the environment', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      QUERY_MAX_COST: '10',
      QUERY_MAX_DEPTH: '4',
      QUERY_MAX_ALIASES: '0',
      QUERY_MAX_FIELDS: '20',
      QUERY_MAX_TOKENS: '100',
      RATE_LIMIT_POINTS: '0',
      RATE_LIMIT_WINDOW_SECONDS: '3600',
      TRUST_PROXY: '2',
      REQUEST_TIMEOUT_MS: '2500',
      SHUTDOWN_TIMEOUT_MS: '0',
      CORS_ORIGINS: ' https://app.example , http://localhost:5173 ',
      GRAPHQL_INTROSPECTION: 'true',
      GRAPHQL_SUGGESTIONS: 'true',
    });
    expect(config).toMatchObject({
      limits: { maxCost: 10, maxDepth: 4, maxAliases: 0, maxFields: 20, maxTokens: 100 },
      rateLimitPoints: 0,
      rateLimitWindowSeconds: 3600,
      trustProxy: 2,
      requestTimeoutMs: 2500,
      shutdownTimeoutMs: 0,
      corsOrigins: ['https://app.example', 'http://localhost:5173'],
      introspection: true,
      suggestions: true,
    });
  });

  it('refuses malformed values with the variable name and what it expects', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ QUERY_MAX_COST: '-1' }, /QUERY_MAX_COST must be a whole number of at least 1/],
      [{ QUERY_MAX_DEPTH: '1e400' }, /QUERY_MAX_DEPTH/],
      [{ QUERY_MAX_TOKENS: '12abc' }, /QUERY_MAX_TOKENS/],
      [{ REQUEST_TIMEOUT_MS: '5' }, /REQUEST_TIMEOUT_MS must be a whole number of milliseconds from 100 to 2147483647 \(Node's longest timer\)/],
      [{ TRUST_PROXY: 'true' }, /TRUST_PROXY must be a whole number/],
      [{ GRAPHQL_INTROSPECTION: 'yes' }, /GRAPHQL_INTROSPECTION must be "true" or "false"/],
      [{ CORS_ORIGINS: 'https://app.example/path' }, /CORS_ORIGINS entries must be origins/],
      [{ CORS_ORIGINS: 'app.example' }, /CORS_ORIGINS entries must be origins/],
      [{ CORS_ORIGINS: 'https://app.example,*' }, /CORS_ORIGINS entries must be origins/],
    ];
    for (const [env, message] of bad) expect(() => loadConfig(env), JSON.stringify(env)).toThrow(message);
  });

  it('runs reads as prepared statements on PostgreSQL unless DATABASE_PREPARED_STATEMENTS=false', () => {
    expect(loadConfig({}).preparedStatements).toBe(true);
    expect(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'false' }).preparedStatements).toBe(false);
    for (const bad of ['no', '0', 'FALSE', 'off']) expect(() => loadConfig({ DATABASE_PREPARED_STATEMENTS: bad }), bad).toThrow(/^DATABASE_PREPARED_STATEMENTS must be "true" or "false"/);
    expect(postgresPoolOptions(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'false' })).preparedStatements).toBe(false);
  });

  it("sizes the embedded database's buffer pool: 128 MB for the server, 16 MB for a one-shot command unless set", () => {
    expect(loadConfig({}).pgliteSharedBuffersMb).toBe(128);
    expect(loadCommandConfig({}).pgliteSharedBuffersMb).toBe(16);
    expect(loadCommandConfig({ PGLITE_SHARED_BUFFERS_MB: ' ' }).pgliteSharedBuffersMb).toBe(16);
    for (const [value, mb] of [['1', 1], ['64', 64], [' 256 ', 256], ['1024', 1024]] as const) {
      expect(loadConfig({ PGLITE_SHARED_BUFFERS_MB: value }).pgliteSharedBuffersMb).toBe(mb);
      expect(loadCommandConfig({ PGLITE_SHARED_BUFFERS_MB: value }).pgliteSharedBuffersMb).toBe(mb);
    }
    // Only whole megabytes in ASCII digits reach PostgreSQL's command line: no units, signs, exponents, other scripts' digits or options.
    for (const bad of ['0', '1025', '16MB', '-16', '1e3', '0x10', '16.5', '١٦', '１６', '16 -c fsync=off', '9'.repeat(400), 'NaN']) {
      expect(() => loadConfig({ PGLITE_SHARED_BUFFERS_MB: bad }), bad).toThrow(/^PGLITE_SHARED_BUFFERS_MB must be a whole number from 1 to 1024/);
      expect(() => loadCommandConfig({ PGLITE_SHARED_BUFFERS_MB: bad }), bad).toThrow(/^PGLITE_SHARED_BUFFERS_MB must be/);
    }
  });
});

describe(`production mode over HTTP (${databaseKind})`, () => {
  let t: TestServer;
  beforeAll(async () => {
    const production = loadConfig({ NODE_ENV: 'production' });
    t = await startTestServer({
      development: false,
      statementCounts: false,
      introspection: production.introspection,
      suggestions: production.suggestions,
      corsOrigins: production.corsOrigins,
    });
  });
  afterAll(() => t?.stop());

  it('refuses introspection (codegen works from the committed schema.graphql)', async () => {
    const res = await t.gql('{ __schema { types { name } } }');
    expect(res.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors![0].message).toMatch(/introspection/i);
  });

  it('gives no "Did you mean" suggestions', async () => {
    const res = await t.gql('{ usrs { edges { node { id } } } }');
    expect(res.errors![0].message).not.toMatch(/Did you mean/);
  });

  it('still refuses an over-complex operation with the limits in the error, but reports no cost or statements', async () => {
    const ok = await t.gql('{ users(first: 1) { edges { node { id } } } }');
    expect(ok.extensions).toBeUndefined();
    const refused = await t.gql('{ users(first: 100) { edges { node { comments(first: 100) { edges { node { author { tags { name } } } } } } } } }');
    expect(refused.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', maximum: 50_000 });
    expect(JSON.stringify(refused)).not.toContain('stacktrace');
  });

  it('answers no cross-origin request until CORS_ORIGINS is set', async () => {
    const response = await fetch(t.url, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(response.status).toBe(403);
  });

  it('with GRAPHQL_INTROSPECTION=true and GRAPHQL_SUGGESTIONS=true answers both', async () => {
    const open = await startTestServer({ development: false, statementCounts: false, introspection: true, suggestions: true });
    try {
      expect((await open.gql('{ __schema { queryType { name } } }')).data.__schema.queryType.name).toBe('Query');
      expect((await open.gql('{ usrs { edges { node { id } } } }')).errors![0].message).toMatch(/Did you mean "users"/);
    } finally {
      await open.stop();
    }
  });
});
