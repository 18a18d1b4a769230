import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Regression: a tag lookup holding a NUL character (`tag(name:)`,
 * `tags(prefix:)`, a list's `tagged`) reached the database, which cannot
 * carry U+0000 in text, and was answered 503 SERVICE_UNAVAILABLE ("the
 * database is not reachable") with an error-level log: a client's bad input
 * reported as an outage (PGlite fails the statement as a protocol error,
 * SQLSTATE 08P01). `activity(verb:)` too. It is BAD_USER_INPUT naming the
 * argument now.
 */
describe(`regression: NUL in a tag lookup or a verb filter (${databaseKind})`, () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
  });
  afterAll(() => t?.stop());

  it('is BAD_USER_INPUT naming the argument, never SERVICE_UNAVAILABLE', async () => {
    const list = Object.keys(t.server.registry.typesOf('tags').reduce((acc, type) => ({ ...acc, [type.typeName]: 1 }), {}))[0];
    const field = list.charAt(0).toLowerCase() + list.slice(1) + 's';
    const cases: [string, Record<string, unknown>, string][] = [
      ['query($n: String!) { tag(name: $n) { name } }', { n: 'a\u0000b' }, 'name'],
      ['query($p: String) { tags(prefix: $p) { edges { node { name } } } }', { p: '\u0000' }, 'prefix'],
      [`query($t: [String!]) { ${field}(tagged: $t) { edges { cursor } } }`, { t: ['ok', 'x\u0000'] }, 'tagged[1]'],
      ['query($v: String) { activity(verb: $v) { edges { cursor } } }', { v: 'viewed\u0000' }, 'verb'],
    ];
    for (const [query, variables, argumentName] of cases) {
      const res = await t.gql(query, variables);
      expect(errorCodes(res), JSON.stringify(res.errors)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].extensions!.argumentName).toBe(argumentName);
      expect(res.errors![0].message).toContain('U+0000');
    }
    expect(errorCodes(await t.gql('query { tags(prefix: "ok") { edges { cursor } } }'))).toEqual([]);
  });
});
