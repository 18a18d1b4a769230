import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

/**
 * A private PostgreSQL primary and a streaming replica of it, made by the
 * test (initdb, `pg_basebackup -R`, a second postmaster), each on a free port
 * of 127.0.0.1, run as the `postgres` user (`runuser` when the test runs as
 * root, as CI does). `destroy()` stops both and removes their directory; it
 * is safe to call at any point of `start()`'s progress, and twice.
 */
export class StreamingPair {
  readonly dir: string;
  primaryPort = 0;
  replicaPort = 0;
  #started: string[] = [];

  private constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-replica-'));
  }

  get primaryUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.primaryPort}/postgres`;
  }

  get replicaUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.replicaPort}/postgres`;
  }

  /** Creates and starts both; on failure removes what it made and rethrows. */
  static async start(): Promise<StreamingPair> {
    const pair = new StreamingPair();
    try {
      await pair.#start();
      return pair;
    } catch (error) {
      await pair.destroy();
      throw error;
    }
  }

  async #start(): Promise<void> {
    // The postgres user must reach the directory: mkdtemp makes it 0700 and owned by us.
    fs.chmodSync(this.dir, 0o755);
    const owner = await postgresIds();
    if (owner) fs.chownSync(this.dir, owner.uid, owner.gid);
    const primary = path.join(this.dir, 'primary');
    const replica = path.join(this.dir, 'replica');
    [this.primaryPort, this.replicaPort] = await freePorts(2);
    await asPostgres('initdb', ['-D', primary, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    fs.appendFileSync(
      path.join(primary, 'postgresql.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${this.dir}'`,
        'wal_level = replica',
        'max_wal_senders = 4',
        'max_connections = 60',
        'hot_standby = on',
        // A test cluster: nothing here must survive a crash.
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'shared_buffers = 16MB',
        '',
      ].join('\n'),
    );
    fs.appendFileSync(path.join(primary, 'pg_hba.conf'), 'host replication postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 trust\n');
    await this.#pgCtl(primary, this.primaryPort, 'primary');
    await asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(this.primaryPort), '-U', 'postgres', '-D', replica, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
    await this.#pgCtl(replica, this.replicaPort, 'replica');
    // Streaming: the primary sees its WAL sender, the replica is in recovery.
    await waitFor(async () => {
      const [row] = await query(this.primaryUrl, `select count(*)::int as n from pg_stat_replication where state = 'streaming'`);
      return row!.n === 1;
    }, 'the replica to stream from the primary');
  }

  async #pgCtl(dataDir: string, port: number, name: string): Promise<void> {
    await asPostgres('pg_ctl', ['-D', dataDir, '-l', path.join(this.dir, `${name}.log`), '-o', `-p ${port}`, '-w', '-t', '60', 'start']);
    this.#started.push(dataDir);
  }

  /** Stops the replica's postmaster (fast shutdown: its sessions are ended). */
  async stopReplica(): Promise<void> {
    const dataDir = path.join(this.dir, 'replica');
    await asPostgres('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    this.#started = this.#started.filter((dir) => dir !== dataDir);
  }

  /** Starts the replica again (after stopReplica). */
  async startReplica(): Promise<void> {
    await this.#pgCtl(path.join(this.dir, 'replica'), this.replicaPort, 'replica');
  }

  /** Stops both postmasters (immediate) and removes the directory. */
  async destroy(): Promise<void> {
    for (const dataDir of this.#started.reverse()) {
      await asPostgres('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    }
    this.#started = [];
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs one statement on a fresh connection and returns its rows. */
export async function query<T = Record<string, any>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'cg-test' });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Polls `check` every 50 ms until it is true (at most `ms`). */
export async function waitFor(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function asPostgres(tool: string, args: string[]): Promise<void> {
  const binary = path.join(BIN, tool);
  const root = process.getuid?.() === 0;
  try {
    await run(root ? 'runuser' : binary, root ? ['-u', 'postgres', '--', binary, ...args] : args, { timeout: 90_000 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${stderr || stdout || String(error)}`);
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
