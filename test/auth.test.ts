import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateApiToken, hashApiToken, listApiTokens, revokeApiToken } from '../src/accounts/api-token.service.js';
import { seedDemoData } from '../src/app/demo-data.js';
import { rootEm } from '../src/server/orm.js';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind, openTestDatabase } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ADD_TAGS = 'mutation($target: ID!, $names: [String!]!) { addTags(target: $target, names: $names) { changed } }';

describe(`API-token authentication (${databaseKind})`, () => {
  let t: TestServer;
  let ada: TestUser;
  let animal: { id: string };

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    ada = await createTestUser(t, 'ada', { admin: true, name: 'Ada Lovelace' });
    animal = await createContent(t, ada.token, 'FixtureAnimal', { name: 'Tokens' });
  });
  afterAll(() => t?.stop());

  it('stores only a SHA-256 hash and a short display prefix of a token', async () => {
    expect(ada.token).toMatch(/^cg_[A-Za-z0-9_-]{43}$/);
    const rows = await t.sql<{ token_hash: string; prefix: string }>(`select token_hash, prefix from api_token where user_id = ?`, [ada.id]);
    expect(rows).toEqual([{ token_hash: hashApiToken(ada.token), prefix: ada.token.slice(0, 11) }]);
    const anywhere = await t.sql(`select 1 from api_token where token_hash = ? or prefix = ? or name = ?`, [ada.token, ada.token, ada.token]);
    expect(anywhere).toHaveLength(0);
  });

  it('serves queries without a token', async () => {
    const res = await t.gql('{ viewer { username } health { ok } }');
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ viewer: null, health: { ok: true } });
  });

  it('tells who a token belongs to (viewer) and keeps last_used_at', async () => {
    const bob = await createTestUser(t, 'bob');
    const before = await t.sql<{ last_used_at: Date | null }>(`select last_used_at from api_token where user_id = ?`, [bob.id]);
    expect(before[0].last_used_at).toBeNull();
    const res = await t.gql('{ viewer { id username name } }', {}, { token: bob.token });
    expect(res.data.viewer).toEqual({ id: bob.globalId, username: 'bob', name: 'bob' });
    const after = await t.sql<{ last_used_at: Date | null }>(`select last_used_at from api_token where user_id = ?`, [bob.id]);
    expect(after[0].last_used_at).not.toBeNull();
  });

  it('refuses every mutation without a token: UNAUTHENTICATED, nothing written', async () => {
    const before = await t.sql<{ n: number }>('select (select count(*) from tag) + (select count(*) from activity_entry) + (select count(*) from cg_fixture_animal) as n');
    const attempts = [
      [ADD_TAGS, { target: animal.id, names: ['x'] }],
      ['mutation($target: ID!) { removeTags(target: $target, names: ["x"]) { changed } }', { target: animal.id }],
      ['mutation { mergeTags(from: ["a"], into: "b") { merged } }', {}],
      ['mutation($target: ID!) { addComment(target: $target, body: "hi") { id } }', { target: animal.id }],
      ['mutation { editComment(id: "Q29tbWVudDox", body: "hi") { id } }', {}],
      ['mutation { deleteComment(id: "Q29tbWVudDox") { deletedId } }', {}],
      ['mutation($target: ID!) { recordActivity(target: $target, verb: "viewed") { id } }', { target: animal.id }],
      ['mutation($target: ID!) { linkObjects(source: $target, targetRef: { user: 1 }, kind: "related") { id } }', { target: animal.id }],
      ['mutation { unlinkObjects(id: "Q29udGVudExpbms6MQ") { deletedId } }', {}],
      ['mutation { createFixtureAnimal(input: { name: "No" }) { id } }', {}],
      ['mutation($id: ID!) { updateFixtureAnimal(id: $id, input: { name: "No" }) { id } }', { id: animal.id }],
      ['mutation($id: ID!) { deleteFixtureAnimal(id: $id) { deletedId } }', { id: animal.id }],
      ['mutation($target: ID!) { setTags(target: $target, names: ["x"]) { added } }', { target: animal.id }],
      ['mutation($target: ID!) { addFixtureVote(target: $target, value: "yes") { changed } }', { target: animal.id }],
      ['mutation($target: ID!) { removeFixtureVote(target: $target, value: "yes") { changed } }', { target: animal.id }],
    ] as const;
    for (const [query, variables] of attempts) {
      const res = await t.gql(query, variables);
      expect(errorCodes(res), query).toEqual(['UNAUTHENTICATED']);
      expect(res.data, query).toBeNull();
    }
    const after = await t.sql<{ n: number }>('select (select count(*) from tag) + (select count(*) from activity_entry) + (select count(*) from cg_fixture_animal) as n');
    expect(Number(after[0].n)).toBe(Number(before[0].n));
  });

  it.each([
    ['a malformed header', 'Token abc'],
    ['a Bearer without token', 'Bearer'],
    ['a token of the wrong shape', 'Bearer not-a-token'],
    ['an unknown token', `Bearer cg_${'A'.repeat(43)}`],
  ])('refuses %s with UNAUTHENTICATED, also on viewer and public queries (a presented token is never ignored)', async (_what, header) => {
    const mutation = await t.gql(ADD_TAGS, { target: animal.id, names: ['x'] }, { headers: { authorization: header } });
    expect(errorCodes(mutation)).toEqual(['UNAUTHENTICATED']);
    const viewer = await t.gql('{ viewer { username } }', {}, { headers: { authorization: header } });
    expect(errorCodes(viewer)).toEqual(['UNAUTHENTICATED']);
    const publicQuery = await t.gql('{ health { ok } }', {}, { headers: { authorization: header } });
    expect(errorCodes(publicQuery)).toEqual(['UNAUTHENTICATED']);
    expect(publicQuery.status).toBe(401);
    expect(publicQuery.errors![0].extensions).not.toHaveProperty('http');
    expect((await t.gql('{ health { ok } }')).errors).toBeUndefined(); // without a token, queries stay public
  });

  it('accepts the scheme in any case', async () => {
    const res = await t.gql('{ viewer { username } }', {}, { headers: { authorization: `bearer ${ada.token}` } });
    expect(res.data.viewer.username).toBe('ada');
  });

  it('stops accepting a revoked token at once', async () => {
    const carol = await createTestUser(t, 'carol');
    const ok = await t.gql(ADD_TAGS, { target: animal.id, names: ['before-revocation'] }, { token: carol.token });
    expect(ok.errors).toBeUndefined();
    const em = rootEm(t.server.orm).fork();
    const [token] = await listApiTokens(em, { username: 'carol' });
    const revoked = await revokeApiToken(em, token.id);
    expect(revoked?.revokedAt).toBeInstanceOf(Date);
    const refused = await t.gql(ADD_TAGS, { target: animal.id, names: ['after-revocation'] }, { token: carol.token });
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(await t.sql(`select 1 from tag where name = 'after-revocation'`)).toHaveLength(0);
    expect(await revokeApiToken(em, 999_999)).toBeNull();
  });

  it('lets only admins merge tags (FORBIDDEN otherwise)', async () => {
    const dave = await createTestUser(t, 'dave');
    await t.gql(ADD_TAGS, { target: animal.id, names: ['js'] }, { token: dave.token });
    const res = await t.gql('mutation { mergeTags(from: ["js"], into: "javascript") { merged } }', {}, { token: dave.token });
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(await t.sql(`select name from tag where name = 'js'`)).toHaveLength(1);
    const admin = await t.gql('mutation { mergeTags(from: ["js"], into: "javascript") { merged } }', {}, { token: ada.token });
    expect(admin.data.mergeTags.merged).toEqual(['js']);
  });
});

describe(`demo token (${databaseKind})`, () => {
  it('is created with the demo data, printed once, and authenticates the demo admin', async () => {
    const db = await openTestDatabase('demo');
    try {
      const lines: string[] = [];
      expect(await seedDemoData(db.em(), db.registry, (line) => lines.push(line))).toBe(true);
      const token = /cg_[A-Za-z0-9_-]{43}/.exec(lines.join('\n'))?.[0];
      expect(token).toBeDefined();
      expect(lines.join('\n')).toContain(`Authorization = Bearer ${token}`);
      const user = await authenticateApiToken(db.em(), token!);
      expect({ username: user?.username, role: user?.role }).toEqual({ username: 'ada', role: 'admin' });
      // A second start finds data and prints nothing.
      expect(await seedDemoData(db.em(), db.registry, (line) => lines.push(line))).toBe(false);
      expect(lines).toHaveLength(1);
    } finally {
      await db.close();
    }
  });
});
