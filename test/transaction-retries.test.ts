import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction, type TransactionRetryMessage, transactionRetryChannel } from '../src/generic/transaction.js';
import { ServerMetrics } from '../src/observability/metrics.js';
import { databaseKind, onPostgres, type OpenDatabase, openTestDatabase } from './helpers/database.js';

/**
 * inTransaction runs a transaction PostgreSQL aborted (deadlock victim,
 * serialization failure) again, at most 3 attempts, and reports every
 * aborted attempt on its diagnostics channel, which
 * db_transaction_retries_total counts. The aborts are the database's own:
 * a deadlock PostgreSQL detects, and SQLSTATE 40001 raised by a statement
 * (which inTransaction cannot tell from a real serialization failure).
 */
describe(`transaction retries (${databaseKind})`, () => {
  let d: OpenDatabase;
  let metrics: ServerMetrics;
  const reported: TransactionRetryMessage[] = [];
  const record = (message: unknown) => reported.push(message as TransactionRetryMessage);
  const counted = async () =>
    Object.fromEntries((await metrics.transactionRetries.get()).values.map((v) => [`${v.labels.reason}/${v.labels.outcome}`, v.value]));

  beforeAll(async () => {
    metrics = new ServerMetrics(new Registry(), { maxOperationNames: 10, defaultMetrics: false });
    d = await openTestDatabase('core');
    await d.sql('create table retry_probe (id int primary key, n int not null default 0)');
    await d.sql('insert into retry_probe (id) values (1), (2)');
    transactionRetryChannel.subscribe(record);
  });
  afterEach(async () => {
    reported.length = 0;
    metrics.transactionRetries.reset();
  });
  afterAll(async () => {
    transactionRetryChannel.unsubscribe(record);
    metrics?.dispose();
    await d?.close();
  });

  it('gives up after the third serialization failure: the error reaches the caller, nothing is written, three aborts are counted', async () => {
    let attempts = 0;
    const failing = inTransaction(d.em(), async (tx) => {
      attempts++;
      await tx.execute('update retry_probe set n = n + 1 where id = 1');
      await tx.execute(`do $$ begin raise exception 'could not serialize (test)' using errcode = '40001'; end $$`);
    });
    await expect(failing).rejects.toMatchObject({ code: '40001' });
    expect(attempts).toBe(3);
    expect(reported).toEqual([
      { reason: 'serialization_failure', attempt: 1, retried: true },
      { reason: 'serialization_failure', attempt: 2, retried: true },
      { reason: 'serialization_failure', attempt: 3, retried: false },
    ]);
    expect(await counted()).toEqual({ 'serialization_failure/retried': 2, 'serialization_failure/gave_up': 1 });
    expect(await d.sql('select n from retry_probe where id = 1')).toEqual([{ n: 0 }]);
  });

  it('does not retry other errors (a unique violation fails at once, unreported)', async () => {
    let attempts = 0;
    await expect(
      inTransaction(d.em(), async (tx) => {
        attempts++;
        await tx.execute('insert into retry_probe (id) values (1)');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(attempts).toBe(1);
    expect(reported).toEqual([]);
    expect(await counted()).toEqual({});
  });

  // Two connections are needed for a deadlock; the embedded database has one.
  it.runIf(onPostgres)('runs a deadlock victim again: both transactions commit, one abort counted as retried', async () => {
    let locked = 0;
    let release!: () => void;
    const bothLocked = new Promise<void>((resolve) => (release = resolve));
    const lockBoth = (first: number, second: number) =>
      inTransaction(d.em(), async (tx) => {
        await tx.execute('update retry_probe set n = n + 1 where id = ?', [first]);
        if (++locked === 2) release();
        await bothLocked; // each holds its first row before it asks for the other's: a cycle PostgreSQL must break
        await tx.execute('update retry_probe set n = n + 1 where id = ?', [second]);
      });
    await Promise.all([lockBoth(1, 2), lockBoth(2, 1)]);
    expect(reported).toEqual([{ reason: 'deadlock_detected', attempt: 1, retried: true }]);
    expect(await counted()).toEqual({ 'deadlock_detected/retried': 1 });
    expect(await d.sql('select id, n from retry_probe order by id')).toEqual([
      { id: 1, n: 2 },
      { id: 2, n: 2 },
    ]);
  });
});
