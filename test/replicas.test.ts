import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppConfig, loadConfig } from '../src/server/config.js';
import { createAppRegistry } from '../src/app/registry.js';
import { prepareDatabase } from '../src/server/database.js';
import { initOrm, rootEm } from '../src/server/orm.js';
import { RoutedPostgreSqlDriver } from '../src/server/replica.driver.js';
import { RequestRoute, runWithRoute } from '../src/server/replica.route.js';
import { loadReplicasConfig, MAX_REPLICAS } from '../src/server/replicas.config.js';
import { type RunningServer, startServer } from '../src/server/start.js';
import { prepareCoreDatabase } from './fixtures/core.database.js';
import { createContent, createTestUser, type TestUser } from './helpers/accounts.js';
import { onPostgres, testApp } from './helpers/database.js';
import { captureLogs, observabilityConfig } from './helpers/log-capture.js';
import { type GraphQLResult, startTestServer, type TestServer } from './helpers/server.js';
import { query, StreamingPair, waitFor } from './helpers/streaming-replica.js';

const PRIMARY = 'postgres://app:secret@db-primary:5432/contentgraph';
const replicasOf = (value: string, env: Record<string, string> = {}) => loadReplicasConfig({ DATABASE_REPLICA_URLS: value, ...env }, PRIMARY);

describe('DATABASE_REPLICA_URLS (hostile values)', () => {
  it('reads comma-separated postgres:// URLs, names them replica-1…, and is empty when unset or blank', () => {
    expect(replicasOf(' postgres://app:secret@db-r1/contentgraph , postgresql://db-r2:6432/contentgraph ').map((r) => [r.name, r.url])).toEqual([
      ['replica-1', 'postgres://app:secret@db-r1/contentgraph'],
      ['replica-2', 'postgresql://db-r2:6432/contentgraph'],
    ]);
    expect(loadReplicasConfig({}, PRIMARY)).toEqual([]);
    expect(replicasOf('   ')).toEqual([]);
    // The same in production.
    expect(loadConfig({ NODE_ENV: 'production', DATABASE_URL: PRIMARY, DATABASE_REPLICA_URLS: 'postgres://db-r1/contentgraph' }).replicas).toHaveLength(1);
  });

  it('refuses the embedded PGlite (no DATABASE_URL) with a message saying what to do', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', DATABASE_REPLICA_URLS: 'postgres://db-r1/contentgraph' })).toThrow(
      /DATABASE_REPLICA_URLS needs DATABASE_URL.*embedded PGlite/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_REPLICA_URLS: 'postgres://db-r1/contentgraph' })).toThrow(/needs DATABASE_URL/);
  });

  it.each([
    ['not a URL', 'db-r1:5432'],
    ['another scheme', 'mysql://db-r1/contentgraph'],
    ['an http URL', 'http://db-r1/contentgraph'],
    ['no host', 'postgres:///contentgraph'],
    ['an empty entry', 'postgres://db-r1/contentgraph,,postgres://db-r2/contentgraph'],
    ['a trailing comma', 'postgres://db-r1/contentgraph,'],
    ['a bidi override in the host', 'postgres://db\u202e-r1/contentgraph'],
    ['a zero-width space in the host', 'postgres://db\u200b-r1/contentgraph'],
    ['a non-ASCII host', 'postgres://dб-r1/contentgraph'],
    ['a NUL byte', 'postgres://db-r1\u0000/contentgraph'],
    ['a huge entry', `postgres://${'a'.repeat(100_000)}/contentgraph`],
  ])('refuses %s with an error naming the variable', (_, value) => {
    expect(() => replicasOf(value)).toThrow(/DATABASE_REPLICA_URLS entry \d+ /);
  });

  it('refuses the same server twice (however spelled) and the primary itself', () => {
    expect(() => replicasOf('postgres://db-r1/contentgraph,postgresql://other@DB-R1:5432/contentgraph')).toThrow(/same server twice.*replica-1 and replica-2/);
    expect(() => replicasOf('postgres://reader@db-primary/contentgraph')).toThrow(/is the primary \(DATABASE_URL\) itself/);
    // Another database on the primary's server is not the primary.
    expect(replicasOf('postgres://db-primary/other')).toHaveLength(1);
  });

  it(`refuses more than ${MAX_REPLICAS} replicas, and a huge list, without echoing it`, () => {
    const many = Array.from({ length: MAX_REPLICAS + 1 }, (_, i) => `postgres://db-r${i}/contentgraph`).join(',');
    expect(() => replicasOf(many)).toThrow(new RegExp(`lists ${MAX_REPLICAS + 1} entries; at most ${MAX_REPLICAS}`));
    let message = '';
    try {
      replicasOf(','.repeat(1_000_000));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/at most 16/);
    expect(message.length).toBeLessThan(300);
  });

  it('never shows a password in its messages', () => {
    for (const value of ['postgres://app:hunter2@db-r1/contentgraph,postgres://app:hunter2@db-r1/contentgraph', 'postgres://app:hunter2@db-r1:99999/x', 'postgres://app:hun@ter2@db\u202e/x']) {
      let message = '';
      try {
        replicasOf(value);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/DATABASE_REPLICA_URLS/);
      expect(message).not.toMatch(/hunter2|ter2/);
    }
  });
});

// A private primary and a streaming replica of it, made here (initdb, pg_basebackup -R, a second
// postmaster): run in the PostgreSQL suite, which is where PostgreSQL deployment belongs.
describe.skipIf(!onPostgres)('read replicas on a real streaming replica', () => {
  const REQUEST_TIMEOUT_MS = 10_000;
  let pair: StreamingPair | undefined;
  let server: RunningServer;
  let t: TestServer;
  let logs: ReturnType<typeof captureLogs>;
  let ada: TestUser;
  let fossil: { id: string };
  const REPLICA_APP = 'contentgraph replica-1';
  const PRIMARY_APP = 'contentgraph';

  function configFor(pair: StreamingPair, overrides: Partial<AppConfig> = {}): AppConfig {
    const env = { NODE_ENV: 'test', DATABASE_URL: pair.primaryUrl, DATABASE_REPLICA_URLS: pair.replicaUrl, REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), RATE_LIMIT_POINTS: '0' };
    return { ...loadConfig(env), port: 0, host: '127.0.0.1', seedDemoData: false, statementCounts: true, ...overrides };
  }

  async function gql<T = any>(url: string, text: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResult<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query: text, variables }) });
    return { ...((await response.json()) as GraphQLResult<T>), status: response.status };
  }

  /**
   * The statement of `activity(verb:)` as pg_stat_activity shows it: a prepared read, whose values (the verb)
   * travel apart from its text (src/server/prepared-reads.ts). The tests below are its first runs on each server.
   */
  const VERB_READ = 'e.verb = $';
  /** The statements last run by the server's pooled sessions on one PostgreSQL, by application_name. */
  const sessions = (url: string) =>
    query<{ app: string; query: string; waiting: string | null }>(url, `select application_name as app, query, wait_event_type as waiting from pg_stat_activity where application_name like 'contentgraph%'`);

  const ADD = `mutation($target: ID!, $body: String!) {
    addComment(target: $target, body: $body) { id body target { ... on Commentable { commentCount comments(first: 50) { edges { node { body } } } } } }
  }`;
  const COMMENTS = `query($id: ID!) { node(id: $id) { ... on Commentable { commentCount comments(first: 50) { edges { node { body } } } } } }`;
  const bodies = (target: any) => target.comments.edges.map((edge: any) => edge.node.body);

  beforeAll(async () => {
    pair = await StreamingPair.start();
    const { registry, entities } = testApp('core');
    logs = captureLogs(observabilityConfig({ LOG_LEVEL: 'info' }).log);
    // The application's migrations, then the core test app's fixture tables (as test/setup/global.ts does for the templates).
    const appRegistry = createAppRegistry();
    const migrating = await initOrm(configFor(pair), appRegistry);
    await prepareDatabase(migrating, appRegistry, configFor(pair)).finally(() => migrating.close(true));
    await prepareCoreDatabase(configFor(pair));
    server = await startServer(configFor(pair), { registry, entities, logger: logs.logger });
    t = {
      url: server.url,
      server,
      db: undefined as never,
      gql: (text, variables, options = {}) => gql(server.url, text, variables, options.token),
      sql: (text, params = []) => rootEm(server.orm).getConnection().execute(text, params as never[]) as never,
      stop: async () => void (await server.stop()),
    };
    ada = await createTestUser(t, 'ada', { admin: true });
    fossil = await createContent(t, ada.token, 'FixtureFossil', { name: 'Replicated' });
    // The replica has the primary's writes so far.
    await waitFor(async () => (await query(pair!.replicaUrl, `select count(*)::int as n from cg_fixture_fossil`))[0]!.n === 1, 'the replica to catch up');
  });

  afterAll(async () => {
    await server?.stop();
    await pair?.destroy();
  });

  it('reads a query from the replica, with the deadline and its own application_name on the replica session', async () => {
    const marker = `verb-${randomUUID()}`;
    const res = await t.gql('query($verb: String!) { activity(verb: $verb, first: 5) { edges { node { verb } } } }', { verb: marker });
    expect(res.errors).toBeUndefined();
    const onReplica = (await sessions(pair!.replicaUrl)).filter((s) => s.query.includes(VERB_READ));
    const onPrimary = (await sessions(pair!.primaryUrl)).filter((s) => s.query.includes(VERB_READ));
    expect(onReplica.map((s) => s.app)).toEqual([REPLICA_APP]);
    expect(onReplica[0]!.query).not.toContain(marker); // prepared on the replica's session too: the value is a bind value
    expect(onPrimary).toEqual([]);
    // The replica pool's sessions: a standby, under statement_timeout = the request deadline.
    const driver = server.orm.driver as RoutedPostgreSqlDriver;
    const [row] = await driver.replicaConnections[0]!.execute<Record<string, unknown>[]>(
      `select pg_is_in_recovery() as standby, (select setting::int from pg_settings where name = 'statement_timeout') as timeout, current_setting('application_name') as app`,
    );
    expect(row).toEqual({ standby: true, timeout: REQUEST_TIMEOUT_MS, app: REPLICA_APP });
  });

  it('answers a mutation and its payload from the primary while the replica lags; queries see the write once it is replayed', async () => {
    await query(pair!.replicaUrl, 'select pg_wal_replay_pause()');
    try {
      await waitFor(async () => (await query(pair!.replicaUrl, 'select pg_get_wal_replay_pause_state() as s'))[0]!.s === 'paused', 'replay to pause');
      const added = await t.gql(ADD, { target: fossil.id, body: 'written while the replica lags' }, { token: ada.token });
      expect(added.errors).toBeUndefined();
      // The payload (loaded after the commit, by the request's loaders) sees the write: the primary.
      expect(added.data.addComment.target.commentCount).toBe(1);
      expect(bodies(added.data.addComment.target)).toEqual(['written while the replica lags']);
      // A later query reads the paused replica: another client's view, one replica lag behind.
      const before = await t.gql(COMMENTS, { id: fossil.id });
      expect(before.errors).toBeUndefined();
      expect(before.data.node).toMatchObject({ commentCount: 0, comments: { edges: [] } });
      // A second mutation's reads (before its transaction, and its payload) are the primary's, not the lagging replica's.
      const second = await t.gql(ADD, { target: fossil.id, body: 'second' }, { token: ada.token });
      expect(second.data.addComment.target.commentCount).toBe(2);
      // A token created while the replica lags authenticates at once (tokens are checked on the primary).
      const grace = await createTestUser(t, `grace${Date.now()}`);
      const viewer = await t.gql('{ viewer { username } }', {}, { token: grace.token });
      expect(viewer.errors).toBeUndefined();
      expect(viewer.data.viewer.username).toBe(grace.username);
    } finally {
      await query(pair!.replicaUrl, 'select pg_wal_replay_resume()');
    }
    await waitFor(async () => (await t.gql(COMMENTS, { id: fossil.id })).data?.node?.commentCount === 2, 'the replica to replay the comments');
    expect(bodies((await t.gql(COMMENTS, { id: fossil.id })).data.node)).toEqual(['written while the replica lags', 'second']);
  });

  it('cancels a replica read at the request deadline (statement_timeout on replica sessions)', async () => {
    // A second server on the same pair with a short deadline.
    const { registry, entities } = testApp('core');
    const short = await startServer(configFor(pair!, { requestTimeoutMs: 1_000 }), { registry, entities, logger: captureLogs(observabilityConfig().log).logger });
    const lock = await openSession(pair!.primaryUrl);
    try {
      // An ACCESS EXCLUSIVE lock on the primary is replayed on the replica: its reads of the table wait.
      await lock.query('begin');
      await lock.query('lock table activity_entry in access exclusive mode');
      // The lock's WAL record waits in a partly filled page (synchronous_commit = off): switch WAL so it is sent.
      await query(pair!.primaryUrl, 'select pg_switch_wal()');
      await waitFor(
        async () =>
          (await query(pair!.replicaUrl, `select count(*)::int as n from pg_locks where mode = 'AccessExclusiveLock' and relation = 'activity_entry'::regclass`))[0]!.n > 0,
        'the replica to replay the lock',
      );
      const marker = `verb-${randomUUID()}`;
      const pending = gql(short.url, 'query($verb: String!) { activity(verb: $verb) { edges { node { verb } } } }', { verb: marker });
      // The read waits on the replica, not on the primary.
      await waitFor(async () => (await sessions(pair!.replicaUrl)).some((s) => s.query.includes(VERB_READ) && s.waiting === 'Lock'), 'the read to wait on the replica');
      expect((await sessions(pair!.primaryUrl)).filter((s) => s.query.includes(VERB_READ))).toEqual([]);
      const res = await pending;
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['TIMEOUT']);
      // The replica cancelled the statement (statement_timeout), while the lock is still held.
      await waitFor(async () => !(await sessions(pair!.replicaUrl)).some((s) => s.query.includes(VERB_READ) && s.waiting === 'Lock'), 'the replica to cancel the read', 5_000);
    } finally {
      await lock.query('rollback').catch(() => undefined);
      await lock.end();
      await short.stop();
    }
  });

  it('answers reads from the primary while the replica is down, says so in /readyz and the log, and goes back to it', async () => {
    const scrape = async () => (await fetch(server.url.replace(/\/graphql$/, '/metrics'))).text();
    const readyz = async () => {
      const response = await fetch(server.url.replace(/\/graphql$/, '/readyz'));
      return { status: response.status, body: (await response.json()) as any };
    };
    expect((await readyz()).body.replicas).toEqual([expect.objectContaining({ name: 'replica-1', ok: true })]);
    await pair!.stopReplica();
    try {
      // Every read is answered, also many at once: the first ones find the replica gone and run again on the primary.
      const answers = await Promise.all(Array.from({ length: 12 }, () => t.gql(COMMENTS, { id: fossil.id })));
      for (const res of answers) {
        expect(res.errors).toBeUndefined();
        expect(res.data.node.commentCount).toBe(2);
      }
      const marker = `verb-${randomUUID()}`;
      const res = await t.gql('query($verb: String!) { activity(verb: $verb) { edges { node { verb } } } }', { verb: marker });
      expect(res.errors).toBeUndefined();
      expect((await sessions(pair!.primaryUrl)).filter((s) => s.query.includes(VERB_READ)).map((s) => s.app)).toEqual([PRIMARY_APP]);
      // Ready (the primary answers), with the replica listed as down.
      const down = await readyz();
      expect(down.status).toBe(200);
      expect(down.body).toMatchObject({ ok: true, replicas: [{ name: 'replica-1', ok: false }] });
      expect(down.body.replicas[0].error).toEqual(expect.any(String));
      expect(logs.lines().some((line) => line.level === 'warn' && line.replica === 'replica-1' && /unavailable/.test(line.msg))).toBe(true);
      expect(logs.text()).not.toContain(pair!.replicaUrl);
      // And in the metrics: not available, reads that ran again on the primary counted.
      const metrics = await scrape();
      expect(metrics).toMatch(/^db_replica_available\{replica="replica-1"\} 0$/m);
      expect(Number(/^db_replica_fallbacks_total\{replica="replica-1"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    } finally {
      await pair!.startReplica();
    }
    // Back: the probe sees it answer, reads go to it again.
    await waitFor(async () => (await readyz()).body.replicas[0].ok === true, 'the replica to be usable again');
    await waitFor(async () => {
      await t.gql('query($verb: String!) { activity(verb: $verb) { edges { node { verb } } } }', { verb: `verb-${randomUUID()}` });
      // The replica was restarted: a session of it that ran the read is a session of since then.
      return (await sessions(pair!.replicaUrl)).some((s) => s.query.includes(VERB_READ) && s.app === REPLICA_APP);
    }, 'reads to go to the replica again');
    expect(logs.lines().some((line) => line.level === 'info' && line.replica === 'replica-1' && /answers again/.test(line.msg))).toBe(true);
    expect(await scrape()).toMatch(/^db_replica_available\{replica="replica-1"\} 1$/m);
  });

  it('reads the primary outside requests (migrations, the content-type sync, the CLI) and in pinned requests', async () => {
    const driver = server.orm.driver as RoutedPostgreSqlDriver;
    const where = async () => {
      const [row] = await driver.getConnection('read').execute<{ standby: boolean }[]>('select pg_is_in_recovery() as standby');
      return row!.standby ? 'replica' : 'primary';
    };
    expect(await where()).toBe('primary');
    const route = new RequestRoute();
    expect(await runWithRoute(route, where)).toBe('replica');
    route.pin('mutation');
    expect(await runWithRoute(route, where)).toBe('primary');
    // A transaction pins the request that starts it, whatever its operation.
    const other = new RequestRoute();
    await runWithRoute(other, () => rootEm(server.orm).fork().transactional(async () => undefined));
    expect(other.pinnedBy).toBe('transaction');
    // Start-up synced the content types on the primary; the replica has them by replication.
    const [synced] = await query(pair!.replicaUrl, `select count(*)::int as n from content_type`);
    expect(synced!.n).toBeGreaterThan(0);
  });
});

// On the PostgreSQL suite's own server: a replica that does not answer when the server starts.
describe.skipIf(!onPostgres)('a read replica that is down at start-up', () => {
  let t: TestServer;
  let logs: ReturnType<typeof captureLogs>;

  beforeAll(async () => {
    const closed = await closedPort();
    logs = captureLogs(observabilityConfig().log);
    const base = new URL(process.env.DATABASE_URL!);
    const replicas = loadReplicasConfig({ DATABASE_REPLICA_URLS: `postgres://${base.username}:pw-secret@127.0.0.1:${closed}/x` }, process.env.DATABASE_URL);
    t = await startTestServer({ replicas }, { app: 'core', logger: logs.logger });
  });
  afterAll(() => t?.stop());

  it('starts, answers reads from the primary, and says so in /readyz and the log (without the password)', async () => {
    const res = await t.gql('{ activity(first: 1) { edges { node { verb } } } }');
    expect(res.errors).toBeUndefined();
    const response = await fetch(t.url.replace(/\/graphql$/, '/readyz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, replicas: [{ name: 'replica-1', ok: false, error: expect.stringMatching(/ECONNREFUSED/) }] });
    expect(logs.withMessage('Read replica replica-1 is unavailable: its reads go to the primary until it answers.')).toHaveLength(1);
    expect(logs.text()).not.toContain('pw-secret');
  });
});

async function closedPort(): Promise<number> {
  const net = await import('node:net');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function openSession(url: string) {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url, application_name: 'cg-test-lock' });
  await client.connect();
  return client;
}
