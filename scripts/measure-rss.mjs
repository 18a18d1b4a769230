#!/usr/bin/env node
// Measures the resident memory (RSS) of the production server: the compiled
// JavaScript (`npm run build` first) started as `npm run start:prod` starts it,
// idle after start-up, then while CONCURRENCY clients send REQUESTS queries
// each, and idle again after the load. Uses a fresh embedded database with the
// demo data unless DATABASE_URL is set. Linux only (/proc).
//   node scripts/measure-rss.mjs            (npm scripts put the pinned Node first)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const REQUESTS = Number(process.env.REQUESTS ?? 200);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-rss-'));
const port = 20000 + Math.floor(Math.random() * 20000);
const QUERIES = [
  '{ activity(first: 100) { edges { node { verb objectRepr actor { name } target { __typename ... on Taggable { tags { name } } ... on Article { title } } } } } }',
  '{ articles(first: 100) { edges { node { title commentCount comments(first: 5) { edges { node { body author { name } } } } } } } }',
  '{ tags(first: 100) { edges { node { name itemCount items(first: 10) { edges { node { __typename } } } } } } }',
];

const rss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const server = spawn(process.execPath, ['dist/src/server.js'], {
  cwd: root,
  env: { ...process.env, NODE_ENV: 'production', SEED_DEMO_DATA: 'true', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, RATE_LIMIT_POINTS: '0' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
server.stdout.on('data', (chunk) => (out += chunk));
try {
  for (let i = 0; i < 600 && !out.includes('ready at'); i++) await sleep(100);
  if (!out.includes('ready at')) throw new Error(`the server did not start: ${out}`);
  await sleep(2000);
  const idle = rss(server.pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rss(server.pid))), 50);
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, client) => {
      for (let i = 0; i < REQUESTS; i++) {
        const query = QUERIES[(client + i) % QUERIES.length];
        const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
        const body = await response.json();
        if (body.errors) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await sleep(2000);
  const after = rss(server.pid);
  const database = process.env.DATABASE_URL ? 'postgresql' : 'pglite';
  console.log(JSON.stringify({ database, node: process.version, idleMiB: Math.round(idle), peakUnderLoadMiB: Math.round(peak), idleAfterLoadMiB: Math.round(after), requests: CONCURRENCY * REQUESTS, concurrency: CONCURRENCY, failures, seconds: Math.round(seconds * 10) / 10 }));
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
