import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, currentTokenRoles, hashApiToken } from '../src/accounts/api-token.service.js';
import { User } from '../src/accounts/user.entity.js';
import { loadConfig } from '../src/server/config.js';
import { rootEm } from '../src/server/orm.js';
import { createTestUser, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { captureLogs, observabilityConfig } from './helpers/log-capture.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { eventually, WsConnection } from './helpers/ws.js';

describe(`subscriptions: the tokens of open connections are checked again (${databaseKind})`, () => {
  let t: TestServer;
  let ann: TestUser;
  let bob: TestUser;
  let cat: TestUser;
  let annSecondToken: string;
  beforeAll(async () => {
    const base = loadConfig({ NODE_ENV: 'test' });
    t = await startTestServer({ subscriptions: { ...base.subscriptions, tokenRecheckMs: 1000 } });
    ann = await createTestUser(t, 'ann');
    bob = await createTestUser(t, 'bob', { admin: true });
    cat = await createTestUser(t, 'cat');
    const em = rootEm(t.server.orm).fork();
    annSecondToken = (await createApiToken(em, await em.findOneOrFail(User, { id: ann.id }), 'second')).token;
  });
  afterAll(() => t?.stop());

  it('closes with 4403 the connections whose token was revoked, whose user was deleted or changed role; the others stay open', async () => {
    const anonymous = await WsConnection.connect(t.url);
    const revoked = await WsConnection.connect(t.url, { authorization: `Bearer ${ann.token}` });
    const sameUserOtherToken = await WsConnection.connect(t.url, { token: annSecondToken });
    const demoted = await WsConnection.connect(t.url, { authorization: `Bearer ${bob.token}` });
    const deleted = await WsConnection.connect(t.url, { authorization: `Bearer ${cat.token}` });
    const revokedToo = await WsConnection.connect(t.url, { authorization: `Bearer ${ann.token}` }); // the same token on a second connection
    revoked.subscribe('1', 'subscription { activityAdded { verb } }');

    await t.sql(`update "api_token" set "revoked_at" = now() where "token_hash" = ?`, [hashApiToken(ann.token)]);
    await t.sql(`update "user" set "role" = 'member' where "id" = ?`, [bob.id]);
    await t.sql(`delete from "user" where "id" = ?`, [cat.id]);

    const closes = await Promise.all([revoked.closed, revokedToo.closed, demoted.closed, deleted.closed]);
    expect(closes.map((c) => c.code)).toEqual([4403, 4403, 4403, 4403]);
    expect(closes[0]!.reason).toContain('revoked');
    expect(closes[2]!.reason).toContain('role changed (admin → member)');
    expect(closes[3]!.reason).toContain('revoked');

    // Two more checks: the anonymous connection and ann's other token are still served.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(anonymous.isClosed).toBe(false);
    expect(sameUserOtherToken.isClosed).toBe(false);
    sameUserOtherToken.subscribe('2', 'subscription { activityAdded { verb } }');
    await eventually(() => t.server.subscriptions.subscribers('activity_entry') >= 1, 10_000, 'the subscription of the token still valid');
    // A new connection with the revoked token is refused at connection_init, as before.
    const again = await WsConnection.open(t.url);
    again.send({ type: 'connection_init', payload: { authorization: `Bearer ${ann.token}` } });
    expect((await again.closed).code).toBe(4403);
    await Promise.all([anonymous.close(), sameUserOtherToken.close()]);
  });

  it('a connection closed by its client while its token is being checked at connection_init is not kept for the checks', async () => {
    const em = rootEm(t.server.orm).fork();
    const { token } = await createApiToken(em, await em.findOneOrFail(User, { id: bob.id }), 'closing');
    const before = t.server.subscriptions.authenticated();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const connection = await WsConnection.open(t.url);
        connection.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
        connection.ws.close(); // before the server answers
        await connection.closed;
      }),
    );
    await eventually(() => t.server.subscriptions.connections() === 0, 10_000, 'the connections closing on the server');
    // Every connection_init has been answered (or abandoned): a connection that was kept would show here.
    const open = await WsConnection.connect(t.url, { authorization: `Bearer ${token}` });
    expect(t.server.subscriptions.authenticated()).toBe(before + 1);
    await open.close();
    await eventually(() => t.server.subscriptions.authenticated() === before, 10_000, 'the closed connection leaving the checks');
  });

  it('a check the database fails closes nothing and logs a warning; the next check that works closes what it must', async () => {
    const logs = captureLogs(observabilityConfig().log);
    const base = loadConfig({ NODE_ENV: 'test' });
    const own = await startTestServer({ subscriptions: { ...base.subscriptions, tokenRecheckMs: 1000 } }, { logger: logs.logger });
    try {
      const dan = await createTestUser(own, 'dan');
      const connection = await WsConnection.connect(own.url, { authorization: `Bearer ${dan.token}` });
      const failed = () => logs.withMessage('subscriptions: checking the tokens of open connections failed; they stay open until the next check');
      await own.sql(`alter table "api_token" rename to "api_token_away"`);
      await own.sql(`update "api_token_away" set "revoked_at" = now()`);
      await eventually(() => failed().length >= 2, 10_000, 'two failed checks');
      expect(failed()[0]!.level).toBe('warn');
      expect(failed()[0]!.err?.message).toMatch(/does not exist/);
      expect(connection.isClosed).toBe(false);
      expect(own.server.subscriptions.authenticated()).toBe(1);
      await own.sql(`alter table "api_token_away" rename to "api_token"`);
      expect((await connection.closed).code).toBe(4403);
      expect(own.server.subscriptions.authenticated()).toBe(0);
    } finally {
      await own.stop();
    }
  });

  it('a connection that authenticated while a check was running is not judged by that check’s older answer', async () => {
    const eve = await createTestUser(t, 'eve', { admin: true });
    const connection = rootEm(t.server.orm).getConnection('write') as unknown as { execute: (...args: unknown[]) => Promise<unknown> };
    const execute = connection.execute;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    // The check's statement runs at once; its answer is handed back only when the test says so.
    connection.execute = async function (this: unknown, ...args: unknown[]) {
      const result = await execute.apply(this, args);
      if (String(args[0]).includes('"token_hash" in (')) {
        held++;
        await gate;
      }
      return result;
    };
    try {
      const before = await WsConnection.connect(t.url, { authorization: `Bearer ${eve.token}` });
      await eventually(() => held === 1, 10_000, 'a check holding its answer (admin)');
      await t.sql(`update "user" set "role" = 'member' where "id" = ?`, [eve.id]);
      const after = await WsConnection.connect(t.url, { authorization: `Bearer ${eve.token}` }); // authenticated as member
      release();
      // The next checks see member: the connection made as admin is closed, the one made as member is not.
      expect((await before.closed).code).toBe(4403);
      const outcome = await Promise.race([
        after.closed.then((c) => `the member connection closed: ${c.code} ${c.reason}`),
        eventually(() => held >= 3, 10_000, 'two later checks').then(() => 'two later checks, the member connection open', (error: Error) => error.message),
      ]);
      expect(outcome).toBe('two later checks, the member connection open');
      expect(after.isClosed).toBe(false);
      expect(t.server.subscriptions.authenticated()).toBe(1);
      await after.close();
    } finally {
      connection.execute = execute;
      release();
    }
  });

  it('a server stopped during a check lets its statement finish before closing the database (no statement after close, no warning)', async () => {
    const logs = captureLogs(observabilityConfig().log);
    const base = loadConfig({ NODE_ENV: 'test' });
    const own = await startTestServer({ subscriptions: { ...base.subscriptions, tokenRecheckMs: 1000 } }, { logger: logs.logger });
    const events: string[] = [];
    const connection = rootEm(own.server.orm).getConnection('write') as unknown as { execute: (...args: unknown[]) => Promise<unknown> };
    const execute = connection.execute;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    // The check's statement is sent once the server has begun to stop (its client saw its connection closed).
    connection.execute = async function (this: unknown, ...args: unknown[]) {
      if (!String(args[0]).includes('"token_hash" in (')) return execute.apply(this, args);
      held++;
      await gate;
      try {
        const result = await execute.apply(this, args);
        events.push('check statement done');
        return result;
      } catch (error) {
        events.push('check statement failed');
        throw error;
      }
    };
    const subscriptions = own.server.subscriptions;
    const dispose = subscriptions.dispose.bind(subscriptions);
    subscriptions.dispose = () => dispose().then(() => void events.push('subscriptions disposed'));
    const orm = own.server.orm;
    const close = orm.close.bind(orm);
    orm.close = (force?: boolean) => (events.push('orm closing'), close(force));
    const dan = await createTestUser(own, 'dan');
    const client = await WsConnection.connect(own.url, { authorization: `Bearer ${dan.token}` });
    await eventually(() => held === 1, 10_000, 'a check waiting to send its statement');
    const logged = logs.lines().length;
    const stopping = own.stop();
    await client.closed;
    release();
    await stopping;
    await eventually(() => events.some((e) => e.startsWith('check statement')), 10_000, 'the check to end');
    expect(events).toEqual(['check statement done', 'subscriptions disposed', 'orm closing']);
    expect(logs.lines().slice(logged).filter((line) => line.level === 'warn' || line.level === 'error')).toEqual([]);
  });

  it('currentTokenRoles: more than 1000 tokens are checked in chunks of 1000, the valid ones found in every chunk', async () => {
    const em = rootEm(t.server.orm).fork();
    const user = await em.findOneOrFail(User, { id: ann.id });
    const valid = await Promise.all(['c1', 'c2', 'c3'].map(async (name) => hashApiToken((await createApiToken(rootEm(t.server.orm).fork(), user, name)).token)));
    const unknown = Array.from({ length: 2500 }, (_, i) => hashApiToken(`cg_unknown_${i}`));
    const hashes = [valid[0]!, ...unknown.slice(0, 1500), valid[1]!, ...unknown.slice(1500), valid[2]!];
    const roles = await currentTokenRoles(rootEm(t.server.orm).fork({ clear: true }), hashes);
    expect([...roles.keys()].sort()).toEqual([...valid].sort());
    expect(new Set(roles.values())).toEqual(new Set([user.role]));
    expect((await currentTokenRoles(em, [])).size).toBe(0);
  });

  it('SUBSCRIPTIONS_TOKEN_RECHECK_MS: 30 s by default, 0 turns it off, 1–999 and junk are refused at start-up', () => {
    expect(loadConfig({}).subscriptions.tokenRecheckMs).toBe(30_000);
    expect(loadConfig({ SUBSCRIPTIONS_TOKEN_RECHECK_MS: '0' }).subscriptions.tokenRecheckMs).toBe(0);
    for (const bad of ['1', '999', '-1', '1e3', '0x3e8', 'soon', '2147483648']) {
      expect(() => loadConfig({ SUBSCRIPTIONS_TOKEN_RECHECK_MS: bad }), bad).toThrow(/SUBSCRIPTIONS_TOKEN_RECHECK_MS must be/);
    }
  });
});
