import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server/start.js';
import { cli } from './helpers/cli.js';
import { createTestDatabase, databaseKind, type TestDatabase } from './helpers/database.js';

const tokenOf = (stdout: string) => /(cg_[A-Za-z0-9_-]{43})/.exec(stdout)![1];

describe(`CLI users:create --role, users:role, users:list (${databaseKind})`, () => {
  let db: TestDatabase;
  const saved = { DATA_DIR: process.env.DATA_DIR, DATABASE_URL: process.env.DATABASE_URL };

  beforeAll(async () => {
    db = await createTestDatabase();
    if (db.config.databaseUrl) process.env.DATABASE_URL = db.config.databaseUrl;
    else process.env.DATA_DIR = db.config.dataDir;
  });
  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await db?.drop();
  });

  /** Runs `fn` with the server up (PGlite: the CLI needs the data directory to itself, so the server stops after). */
  async function withServer<T>(fn: (gql: (query: string, token?: string, variables?: Record<string, unknown>) => Promise<any>) => Promise<T>): Promise<T> {
    const server: RunningServer = await startServer(db.config);
    try {
      return await fn(async (query, token, variables) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (token) headers.authorization = `Bearer ${token}`;
        const response = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
        return response.json();
      });
    } finally {
      await server.stop();
    }
  }

  it('creates users with a role, changes roles, lists them; the server applies the role from the next request', async () => {
    const admin = await cli('users:create', '--username', 'root', '--role', 'admin');
    expect(admin).toMatchObject({ code: 0 });
    expect(admin.stdout).toContain('Created admin user "root"');
    const member = await cli('users:create', '--username', 'mia');
    expect(member.stdout).toContain('Created member user "mia"');
    const mod = await cli('users:create', '--username', 'otto', '--role', 'moderator');
    expect(mod.stdout).toContain('Created moderator user "otto"');
    const legacy = await cli('users:create', '--username', 'old', '--admin');
    expect(legacy.stdout).toContain('Created admin user "old"');
    const [rootToken, miaToken, ottoToken] = [admin, member, mod].map((r) => tokenOf(r.stdout));

    const listed = await cli('users:list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^\d+\s+root\s+admin\s+1\s/m);
    expect(listed.stdout).toMatch(/^\d+\s+mia\s+member\s+1\s/m);
    expect(listed.stdout).toMatch(/^\d+\s+otto\s+moderator\s+1\s/m);
    expect(listed.stdout).not.toContain('cg_');

    const roleQuery = '{ viewer { username role } users { edges { node { username role } } } }';
    await withServer(async (gql) => {
      // Anonymous: no viewer, nobody's role.
      const anonymous = await gql(roleQuery);
      expect(anonymous.data.viewer).toBeNull();
      expect(anonymous.data.users.edges.every((e: { node: { role: unknown } }) => e.node.role === null)).toBe(true);
      // A member sees their own role only.
      const mine = await gql(roleQuery, miaToken);
      expect(mine.data.viewer).toEqual({ username: 'mia', role: 'MEMBER' });
      expect(mine.data.users.edges.filter((e: { node: { role: unknown } }) => e.node.role !== null)).toEqual([{ node: { username: 'mia', role: 'MEMBER' } }]);
      // An admin sees everyone's.
      const all = await gql(roleQuery, rootToken);
      expect(Object.fromEntries(all.data.users.edges.map((e: { node: { username: string; role: string } }) => [e.node.username, e.node.role]))).toEqual({
        root: 'ADMIN',
        mia: 'MEMBER',
        otto: 'MODERATOR',
        old: 'ADMIN',
      });
      // mergeTags is for admins only.
      const merge = 'mutation { mergeTags(from: ["nothing-here"], into: "x") { merged } }';
      expect((await gql(merge, miaToken)).errors[0].extensions.code).toBe('FORBIDDEN');
      expect((await gql(merge, ottoToken)).errors[0].extensions.code).toBe('FORBIDDEN');
      expect((await gql(merge, rootToken)).errors[0].extensions.code).toBe('NOT_FOUND');
    });

    const promoted = await cli('users:role', '--user', 'mia', '--role', 'admin');
    expect(promoted).toMatchObject({ code: 0 });
    expect(promoted.stdout).toContain('"mia" is now admin (was member)');
    expect((await cli('users:role', '--user', 'mia', '--role', 'admin')).stdout).toContain('already is admin');
    const demoted = await cli('users:role', '--user', 'root', '--role', 'member');
    expect(demoted.stdout).toContain('"root" is now member (was admin)');
    await withServer(async (gql) => {
      expect((await gql('{ viewer { role } }', miaToken)).data.viewer.role).toBe('ADMIN');
      expect((await gql('{ viewer { role } }', rootToken)).data.viewer.role).toBe('MEMBER');
      const merge = 'mutation { mergeTags(from: ["nothing-here"], into: "x") { merged } }';
      expect((await gql(merge, rootToken)).errors[0].extensions.code).toBe('FORBIDDEN');
      expect((await gql(merge, miaToken)).errors[0].extensions.code).toBe('NOT_FOUND');
    });
  });

  it('refuses hostile input: unknown roles, look-alike and invisible usernames, bidi tricks in names', async () => {
    for (const role of ['root', 'Admin', 'ADMIN', ' admin', 'admin\u200b', 'аdmin' /* Cyrillic а */, '', 'superuser']) {
      const created = await cli('users:create', '--username', `u${Math.random().toString(36).slice(2, 8)}`, '--role', role);
      expect(created.code, JSON.stringify(role)).toBe(2);
      expect(created.stderr).toContain('Unknown role');
      expect(created.stderr).toContain('member, moderator, admin');
      const changed = await cli('users:role', '--user', 'mia', '--role', role);
      expect(changed.code, JSON.stringify(role)).toBe(2);
    }
    expect((await cli('users:create', '--username', 'zed', '--admin', '--role', 'member')).stderr).toContain('disagree');
    expect((await cli('users:role', '--user', 'nobody', '--role', 'admin')).code).toBe(1);
    expect((await cli('users:role', '--user', 'mia')).code).toBe(2);
    expect((await cli('users:role', '--user', 'mia', '--role', 'admin', '--force')).code).toBe(2);

    for (const username of ['ＭＩＡ', 'mіa' /* Cyrillic і */, 'mia\u200b', '\u202emia', 'Mia', 'mi a', 'mia\u0000', 'm'.repeat(51), 'mía', '']) {
      const res = await cli('users:create', '--username', username);
      expect(res.code, JSON.stringify(username)).not.toBe(0);
    }
    for (const name of ['Ada\u202eecalovoL', 'Ada\u200bLovelace', 'Ada\u2066x\u2069', 'Ada\nLovelace', '\u3164', 'x'.repeat(201)]) {
      const res = await cli('users:create', '--username', `n${Math.random().toString(36).slice(2, 8)}`, '--name', name);
      expect(res.code, JSON.stringify(name)).toBe(1);
      expect(res.stderr).toMatch(/display name/);
    }
    for (const tokenName of ['\u001b[2Jx', 'a\u202eb', 'tab\there']) {
      const res = await cli('tokens:create', '--user', 'mia', '--name', tokenName);
      expect(res.code, JSON.stringify(tokenName)).toBe(1);
      expect(res.stderr).toContain('visible text');
    }
    const unicode = await cli('users:create', '--username', 'zoe', '--name', 'Zoë Ἀθηνᾶ 山田');
    expect(unicode.code).toBe(0);
    const users = (await cli('users:list')).stdout;
    expect(users).not.toMatch(/^\d+\s+(mіa|mia\u200b|Mia)\s/m);
  });

  it('users:delete shows what it would delete, then deletes with --yes; the token stops working', async () => {
    const created = await cli('users:create', '--username', 'gone', '--name', 'Gone Soon');
    const token = tokenOf(created.stdout);
    await cli('tokens:create', '--user', 'gone', '--name', 'second');
    const dry = await cli('users:delete', '--user', 'gone');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Would delete user "gone"');
    expect(dry.stdout).toContain('2 API tokens and 0 comments');
    expect(dry.stdout).toContain('Nothing was changed');
    await withServer(async (gql) => expect((await gql('{ viewer { username } }', token)).data.viewer.username).toBe('gone'));
    const done = await cli('users:delete', '--user', 'gone', '--yes');
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/Deleted user "gone" \(id \d+\) with 2 API tokens and 0 comments; redacted \d+ activity entries\./);
    expect((await cli('users:delete', '--user', 'gone', '--yes')).code).toBe(1);
    expect((await cli('users:delete')).code).toBe(2);
    expect((await cli('users:list')).stdout).not.toMatch(/\sgone\s/);
    await withServer(async (gql) => {
      expect((await gql('{ viewer { username } }', token)).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      const feed = await gql('{ activity(verb: "deleted") { edges { node { objectRepr actor { username } } } } }');
      expect(feed.data.activity.edges).toContainEqual({ node: { objectRepr: '[deleted user]', actor: null } });
    });
  });
});
