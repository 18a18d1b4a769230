/**
 * `npm run bench`: prints latency, throughput and SQL statements per request
 * for the read paths that matter (feed with union targets, tag page across
 * types, filtered list, node lookups), over a generated data set.
 *
 *   BENCH_OBJECTS=2000 BENCH_REQUESTS=40 npm run bench          # embedded PGlite (temp dir)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench
 *
 * With DATABASE_URL it creates a database of its own on that server and drops it.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type AppConfig } from '../src/server/config.js';
import { startServer } from '../src/server/start.js';
import { rootEm } from '../src/server/orm.js';

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 2000); // per domain type
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 40);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const QUERIES: Record<string, string> = {
  'feed, 100 entries, union targets + tags + actor': `{
    activity(first: 100) { edges { node { verb objectRepr actor { name }
      target { __typename ... on Taggable { tags { name } } ... on Article { title } ... on Book { title } ... on Video { title } ... on Product { name } } } } } }`,
  'tag page, 100 items across types + commentCount': `{
    tag(name: "tag-1") { itemCount items(first: 100) { edges { node { __typename ... on Commentable { commentCount } ... on Taggable { tags { name } } } } } } }`,
  'articles tagged [tag-1, tag-2], 100, with 5 comments each': `{
    articles(first: 100, tagged: ["tag-1", "tag-2"]) { edges { node { title commentCount comments(first: 5) { edges { node { body author { name } } } } } } } }`,
  'books, 100, tags + activity(first: 3) + links': `{
    books(first: 100) { edges { node { title tags { name } activity(first: 3) { edges { node { verb } } }
      outgoingLinks(first: 3) { edges { node { kind target { __typename } } } } } } } }`,
};

async function main(): Promise<void> {
  const { config, cleanup } = await benchDatabase();
  const server = await startServer(config);
  try {
    const seedStarted = performance.now();
    await seed(server.orm);
    const seedMs = performance.now() - seedStarted;
    const counts = await rootEm(server.orm).getConnection().execute<{ t: string; n: string }[]>(
      `select 'objects' as t, (select count(*) from article) + (select count(*) from book) + (select count(*) from video) + (select count(*) from product) as n
       union all select 'tagged items', count(*) from tagged_item
       union all select 'comments', count(*) from comment
       union all select 'activity entries', count(*) from activity_entry`,
    );
    console.log(`contentgraph bench on ${config.databaseUrl ? 'PostgreSQL' : 'embedded PGlite'}, node ${process.version}, ${os.cpus().length} cores`);
    console.log(`data: ${counts.map((c) => `${c.n} ${c.t}`).join(', ')} (seeded in ${(seedMs / 1000).toFixed(1)} s)\n`);
    console.log(`${'query'.padEnd(62)} ${'stmts'.padStart(5)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'req/s @' + CONCURRENCY}`);
    for (const [name, query] of Object.entries(QUERIES)) {
      const post = () => request(server.url, query);
      for (let i = 0; i < 3; i++) await post(); // warm-up
      const latencies: number[] = [];
      let statements = new Set<number>();
      for (let i = 0; i < REQUESTS; i++) {
        const started = performance.now();
        const res = await post();
        latencies.push(performance.now() - started);
        statements.add(res.extensions?.sqlStatements ?? -1);
      }
      const started = performance.now();
      let done = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (done < REQUESTS * 2) {
            done++;
            await post();
          }
        }),
      );
      const throughput = (done / (performance.now() - started)) * 1000;
      latencies.sort((a, b) => a - b);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
      console.log(
        `${name.padEnd(62)} ${[...statements].join('/').padStart(5)} ${pct(0.5).toFixed(1).padStart(8)} ${pct(0.95).toFixed(1).padStart(8)} ${throughput.toFixed(0).padStart(9)}`,
      );
    }
  } finally {
    await server.stop();
    await cleanup();
  }
}

async function request(url: string, query: string): Promise<{ extensions?: { sqlStatements?: number } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { errors?: unknown[]; extensions?: { sqlStatements?: number } };
  if (body.errors) throw new Error(`query failed: ${JSON.stringify(body.errors)}`);
  return body;
}

async function benchDatabase(): Promise<{ config: AppConfig; cleanup: () => Promise<void> }> {
  // The benchmark saturates the server from one address on purpose: no per-client budget (RATE_LIMIT_POINTS=0).
  const base = { ...loadConfig({ NODE_ENV: 'production' }), port: 0, host: '127.0.0.1', seedDemoData: false, statementCounts: true, rateLimitPoints: 0 };
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-bench-'));
    return { config: { ...base, databaseUrl: undefined, dataDir }, cleanup: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `cg_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    config: { ...base, databaseUrl: url.toString() },
    cleanup: async () => {
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

/** Bulk-generates content, tags, comments, links and activity with SQL (the triggers stay on). */
async function seed(orm: Awaited<ReturnType<typeof startServer>>['orm']): Promise<void> {
  const conn = rootEm(orm).getConnection();
  const run = (sql: string) => conn.execute(sql, [], 'run');
  const ct = async (model: string) =>
    Number((await conn.execute<{ id: number }[]>(`select id from content_type where model = '${model}'`))[0].id);
  await run(`insert into "user" (username, name) select 'user' || g, 'User ' || g from generate_series(1, 50) g`);
  await run(`insert into tag (name, slug) select 'tag-' || g, 'tag-' || g from generate_series(1, 30) g`);
  await run(`insert into article (title, body, created_at) select 'Article ' || g, 'Body ' || g, now() - g * interval '1 minute' from generate_series(1, ${OBJECTS}) g`);
  await run(`insert into book (title, author_name, created_at) select 'Book ' || g, 'Author ' || g, now() - g * interval '1 minute' from generate_series(1, ${OBJECTS}) g`);
  await run(`insert into video (title, url, created_at) select 'Video ' || g, 'https://example.com/' || g, now() - g * interval '1 minute' from generate_series(1, ${OBJECTS}) g`);
  await run(`insert into product (name, sku, created_at) select 'Product ' || g, 'SKU-' || g, now() - g * interval '1 minute' from generate_series(1, ${OBJECTS}) g`);
  for (const [table, model, repr] of [
    ['article', 'article', 'title'],
    ['book', 'book', 'title'],
    ['video', 'video', 'title'],
    ['product', 'product', 'name'],
  ] as const) {
    const id = await ct(model);
    await run(`insert into tagged_item (tag_id, content_type_id, object_id, created_at)
      select 1 + (o.id * 7 + k) % 30, ${id}, o.id, o.created_at from "${table}" o cross join generate_series(0, 2) k`);
    await run(`insert into comment (content_type_id, object_id, author_id, body, created_at, updated_at)
      select ${id}, o.id, 1 + (o.id + k) % 50, 'Comment ' || k, o.created_at + k * interval '1 second', o.created_at from "${table}" o cross join generate_series(1, 2) k`);
    await run(`insert into activity_entry (actor_id, verb, content_type_id, object_id, object_repr, created_at)
      select 1 + (o.id + k) % 50, case k when 1 then 'created' else 'commented' end, ${id}, o.id, o."${repr}", o.created_at + k * interval '1 second'
      from "${table}" o cross join generate_series(1, 2) k`);
  }
  const [a, b] = [await ct('book'), await ct('article')];
  await run(`insert into content_link (source_type_id, source_id, target_type_id, target_id, kind, created_at)
    select ${a}, o.id, ${b}, o.id, 'related', o.created_at from book o`);
  await run('analyze');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
