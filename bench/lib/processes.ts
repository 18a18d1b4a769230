import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childPids, rssMiB } from './machine.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The production build of this checkout (`npm run build`). */
export const DIST_SERVER = path.join(ROOT, 'dist/src/server.js');

/** A server process started by the bench: contentgraph or the floor. */
export interface BenchProcess {
  /** The GraphQL endpoint (contentgraph) or the base URL (floor). */
  url: string;
  pid: number;
  /** This process and its children (worker processes), for CPU and memory. */
  pids(): number[];
  /** RSS of each process (MiB): the main one first. */
  rss(): number[];
  /** RSS (MiB) read once the process had started and settled, before any request. */
  idleRss: number[];
  output(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after 20 s); rejects when it did not exit 0. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** Node arguments and script (e.g. `[DIST_SERVER]`). */
  args: string[];
  env: Record<string, string>;
  /** The line that says the process is ready; its first group is the URL. */
  ready: RegExp;
  label: string;
}

/** The last `limit` characters of a stream of text chunks. */
class OutputTail {
  #chunks: string[] = [];
  #length = 0;

  constructor(private readonly limit: number) {}

  push(chunk: string): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    if (this.#length > 2 * this.limit) this.#cut();
  }

  text(): string {
    this.#cut();
    return this.#chunks[0] ?? '';
  }

  #cut(): void {
    const text = this.#chunks.join('').slice(-this.limit);
    this.#chunks = [text];
    this.#length = text.length;
  }
}

/** Starts a process, waits for its ready line; rejects with its output when it exits first or takes over 120 s. */
export async function spawnProcess(options: SpawnOptions): Promise<BenchProcess> {
  const child: ChildProcess = spawn(process.execPath, options.args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The last 64 KiB of its output (production logs a line per request), for error messages: kept as chunks and cut
  // now and then, not copied at every line (64 KiB copied per request was garbage in the load generator's process,
  // whose pauses the latency figures would include).
  const tail = new OutputTail(65_536);
  const keep = (chunk: Buffer) => tail.push(chunk.toString('utf8'));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.label} did not start within 120 s:\n${tail.text()}`)), 120_000);
    const check = () => {
      const match = options.ready.exec(tail.text());
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.label} exited (${code}) during start-up:\n${tail.text()}`));
    });
  });
  const pid = child.pid!;
  const pids = () => [pid, ...childPids(pid)];
  const rss = () => pids().map((p) => rssMiB(p) ?? 0);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let start-up garbage be collected and workers start
  let stopping: Promise<void> | undefined;
  return {
    url,
    pid,
    pids,
    rss,
    idleRss: rss(),
    output: () => tail.text(),
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null) throw new Error(`${options.label} had exited (${child.exitCode}):\n${tail.text()}`);
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        const code = await exited;
        clearTimeout(timer);
        if (code !== 0) throw new Error(`${options.label} stopped with exit code ${code}:\n${tail.text()}`);
      })()),
  };
}

/**
 * The compiled contentgraph server as production runs it (`env` adds to or
 * overrides its environment), except two limits: no per-client budget (the
 * bench saturates it from one address on purpose) and a 60 s request
 * deadline (a slow figure is measured, not refused).
 */
export function startContentgraph(database: Record<string, string>, options: { server?: string; env?: Record<string, string> } = {}): Promise<BenchProcess> {
  return spawnProcess({
    // BENCH_NODE_ARGS: Node/V8 flags for the server under test (e.g. `--max-semi-space-size=32`), to measure a setting.
    args: [...(process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean), options.server ?? DIST_SERVER],
    env: {
      ...database,
      NODE_ENV: 'production',
      SEED_DEMO_DATA: 'false',
      RATE_LIMIT_POINTS: '0',
      REQUEST_TIMEOUT_MS: '60000',
      PORT: '0',
      HOST: '127.0.0.1',
      ...options.env,
    },
    ready: /contentgraph ready at (\S+)/,
    label: `contentgraph (${options.server ?? 'dist/src/server.js'})`,
  });
}

/** The floor: node:http + hand-written SQL on the same data (`bench/floor/server.ts`). */
export function startFloor(database: Record<string, string>): Promise<BenchProcess> {
  return spawnProcess({
    args: ['--import', 'tsx', path.join(ROOT, 'bench/floor/server.ts')],
    env: { ...database, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1' },
    ready: /floor ready at (\S+)/,
    label: 'the floor server',
  });
}
