import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { startServer } from '../src/server/start.js';
import { createTestDatabase, databaseKind, type TestDatabase } from './helpers/database.js';

describe(`CLI users:create and tokens:* (${databaseKind})`, () => {
  let db: TestDatabase;
  const saved = { DATA_DIR: process.env.DATA_DIR, DATABASE_URL: process.env.DATABASE_URL };

  beforeAll(async () => {
    db = await createTestDatabase({}, 'demo');
    // The commands read their database from the environment, as `npm run cli` does.
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

  it('creates a user with a token, more tokens, lists and revokes them; the server honours all of it', async () => {
    const created = await cli('users:create', '--username', 'ada', '--name', 'Ada Lovelace', '--admin');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Created admin user "ada"');
    const first = /(cg_[A-Za-z0-9_-]{43})/.exec(created.stdout)![1];

    const another = await cli('tokens:create', '--user', 'ada', '--name', 'laptop');
    expect(another.code).toBe(0);
    const second = /(cg_[A-Za-z0-9_-]{43})/.exec(another.stdout)![1];
    const secondId = /API token #(\d+)/.exec(another.stdout)![1];

    const revoked = await cli('tokens:revoke', secondId);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked API token #${secondId} "laptop" of "ada".`);

    const listed = await cli('tokens:list', '--user', 'ada');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${secondId}\\s+ada\\s+laptop\\s+${second.slice(0, 11)}….*revoked`, 'm'));
    expect(listed.stdout).toMatch(new RegExp(`^\\d+\\s+ada\\s+cli\\s+${first.slice(0, 11)}….*active$`, 'm'));
    expect(listed.stdout).not.toContain(first);
    expect(listed.stdout).not.toContain(second);

    const taken = await cli('users:create', '--username', 'ada');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('The username "ada" is taken.');
    expect((await cli('tokens:revoke', 'abc')).code).toBe(2);

    const server = await startServer(db.config);
    try {
      const viewer = async (token: string) => {
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ viewer { username name } activity(verb: "created") { edges { node { objectRepr } } } }' }),
        });
        return (await response.json()) as { data: { viewer: unknown } | null; errors?: { extensions: { code: string } }[] };
      };
      const ok = await viewer(first);
      expect(ok.data).toEqual({ viewer: { username: 'ada', name: 'Ada Lovelace' }, activity: { edges: [{ node: { objectRepr: 'Ada Lovelace' } }] } });
      const refused = await viewer(second);
      expect(refused.errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    } finally {
      await server.stop();
    }
  });
});
