#!/usr/bin/env node
// Throughput of the production server with 1 and with N worker processes
// (WORKERS) on PostgreSQL, on the feed query (100 activity entries with their
// union targets, the targets' tags and the actors). Creates a database of its
// own on DATABASE_URL's server, fills it with SQL, then alternates the
// variants in ROUNDS rounds: each round starts `node dist/src/server.js` with
// NODE_ENV=production WORKERS=<n> RATE_LIMIT_POINTS=0, sends CONCURRENCY
// keep-alive clients' requests for SECONDS seconds, and stops it with SIGTERM.
// Prints req/s per round, the median per variant, its ratio to WORKERS=1, the
// CPU the server's processes used (from /proc; per request, the figure a busy
// machine moves least) and the load average. Other work on the machine takes
// the cores the extra workers need: compare ratios from one run only.
//   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node scripts/measure-workers.mjs
// (WORKERS_VARIANTS=1,2 ROUNDS=3 SECONDS=10 CONCURRENCY=16 change the run.)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) throw new Error('Set DATABASE_URL to a PostgreSQL server (a database of its own is created there and dropped).');
const VARIANTS = (process.env.WORKERS_VARIANTS ?? `1,${os.availableParallelism()}`).split(',').map(Number);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 10);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const OBJECTS = 500; // per content type
const FEED = JSON.stringify({
  query: `{ activity(first: 100) { edges { node { verb objectRepr actor { name }
    target { __typename ... on Taggable { tags { name } } ... on Article { title } ... on Book { title } ... on Video { title } ... on Product { name } } } } } }`,
});
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const name = `cg_workers_${process.pid}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`create database "${name}"`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const databaseUrl = url.toString();
try {
  await runServer(1, async () => undefined); // migrations and content types
  await seed(databaseUrl);
  const results = new Map(VARIANTS.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const workers of VARIANTS) {
      const result = await runServer(workers, load);
      results.get(workers).push(result);
      console.log(
        `round ${round + 1} WORKERS=${workers}: ${result.rps.toFixed(1)} req/s, server CPU ${result.cpuPercent.toFixed(0)} % (${(result.cpuPercent * 10 / result.rps).toFixed(1)} ms per request), load ${os.loadavg()[0].toFixed(1)}`,
      );
    }
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const base = median(results.get(VARIANTS[0]).map((r) => r.rps));
  console.log(`\nfeed (100 entries), ${CONCURRENCY} keep-alive clients, ${SECONDS} s x ${ROUNDS} rounds, ${os.availableParallelism()} cores, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const [workers, runs] of results) {
    const rps = median(runs.map((r) => r.rps));
    const cpu = median(runs.map((r) => r.cpuPercent));
    const cpuPerRequest = median(runs.map((r) => (r.cpuPercent * 10) / r.rps));
    console.log(`WORKERS=${workers}: ${rps.toFixed(1)} req/s (x${(rps / base).toFixed(2)}), server CPU ${cpu.toFixed(0)} %, ${cpuPerRequest.toFixed(1)} ms CPU per request`);
  }
} finally {
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.end();
}

/** Starts the compiled server with `workers`, runs `work(port)`, stops it; returns what `work` measured plus the server's CPU. */
async function runServer(workers, work) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = spawn(process.execPath, ['dist/src/server.js'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: databaseUrl, WORKERS: String(workers), PORT: String(port), HOST: '127.0.0.1', RATE_LIMIT_POINTS: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => server.once('exit', resolve));
  try {
    for (let i = 0; i < 600 && !(await answers(port)); i++) await sleep(100);
    const pids = [server.pid, ...childrenOf(server.pid)];
    const cpuBefore = cpuSeconds(pids);
    const started = performance.now();
    const result = (await work(port)) ?? {};
    const seconds = (performance.now() - started) / 1000;
    return { ...result, cpuPercent: ((cpuSeconds(pids) - cpuBefore) / seconds) * 100 };
  } finally {
    server.kill('SIGTERM');
    await exited;
  }
}

async function load(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  for (let i = 0; i < 2 * CONCURRENCY; i++) await post(port, agent); // warm-up, every connection
  let done = 0;
  const until = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await post(port, agent);
        done++;
      }
    }),
  );
  agent.destroy();
  return { rps: done / ((performance.now() - started) / 1000) };
}

function post(port, agent) {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(FEED) } }, (res) => {
      let first = '';
      res.on('data', (chunk) => (first ||= chunk.subarray(0, 8).toString()));
      res.on('end', () => (res.statusCode === 200 && first.startsWith('{"data"') ? resolve() : reject(new Error(`status ${res.statusCode}: ${first}`))));
    });
    request.on('error', reject);
    request.end(FEED);
  });
}

async function answers(port) {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

function childrenOf(pid) {
  return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((entry) => {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  }).map(Number);
}

function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // gone
    }
  }
  return ticks / 100;
}

/** The benchmark's kind of data, smaller: objects of every type with tags, comments and activity (SQL, triggers on). */
async function seed(connectionString) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const ct = async (model) => (await client.query('select id from content_type where model = $1', [model])).rows[0].id;
    await client.query(`insert into "user" (username, name) select 'user' || g, 'User ' || g from generate_series(1, 50) g`);
    await client.query(`insert into tag (name, slug) select 'tag-' || g, 'tag-' || g from generate_series(1, 30) g`);
    for (const [table, columns, values, repr] of [
      ['article', 'title, body', `'Article ' || g, 'Body ' || g`, 'title'],
      ['book', 'title, author_name', `'Book ' || g, 'Author ' || g`, 'title'],
      ['video', 'title, url', `'Video ' || g, 'https://example.com/' || g`, 'title'],
      ['product', 'name, sku', `'Product ' || g, 'SKU-' || g`, 'name'],
    ]) {
      await client.query(`insert into ${table} (${columns}, created_at) select ${values}, now() - g * interval '1 minute' from generate_series(1, ${OBJECTS}) g`);
      const id = await ct(table);
      await client.query(`insert into tagged_item (tag_id, content_type_id, object_id, created_at) select 1 + (o.id * 7 + k) % 30, ${id}, o.id, o.created_at from ${table} o cross join generate_series(0, 2) k`);
      await client.query(`insert into activity_entry (actor_id, verb, content_type_id, object_id, object_repr, created_at)
        select 1 + (o.id + k) % 50, 'created', ${id}, o.id, o.${repr}, o.created_at + k * interval '1 second' from ${table} o cross join generate_series(1, 2) k`);
    }
    await client.query('analyze');
  } finally {
    await client.end();
  }
}
