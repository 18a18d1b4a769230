/**
 * `npm run bench` (after `npm run build`): figures for the read paths, the
 * floor of the stack, concurrency, bulk loads, big pages, workers and memory,
 * each printed with the machine's load and as ratios to a baseline measured
 * in the same run. The server under test is the production build
 * (dist/src/server.js, NODE_ENV=production) in a process of its own; the
 * bench sends requests from this process.
 *
 *   npm run bench                                                   # embedded PGlite (temp dir)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench
 *   BENCH_SECTIONS=floor,concurrency BENCH_SECONDS=10 npm run bench
 *
 * Knobs: bench/lib/knobs.ts and docs/performance.md. Sections: bench/sections/.
 */
import fs from 'node:fs';
import { createBenchDatabase } from './lib/database.js';
import { counts, createToken, seedBase } from './lib/data.js';
import type { BenchContext } from './lib/context.js';
import { readKnobs } from './lib/knobs.js';
import { machineLoad } from './lib/machine.js';
import { type BenchProcess, DIST_SERVER, startContentgraph } from './lib/processes.js';
import { report } from './lib/report.js';
import { SECTIONS } from './sections/index.js';

async function main(): Promise<void> {
  const knobs = readKnobs();
  const unknown = (knobs.sections ?? []).filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length) throw new Error(`BENCH_SECTIONS: no section ${unknown.join(', ')} (sections: ${SECTIONS.map((s) => s.name).join(', ')})`);
  const sections = knobs.sections ? SECTIONS.filter((s) => knobs.sections!.includes(s.name)) : SECTIONS;
  if (!fs.existsSync(DIST_SERVER)) throw new Error(`${DIST_SERVER} is missing: run \`npm run build\` first (npm run bench does).`);

  const db = await createBenchDatabase(knobs.databaseUrl);
  let server: BenchProcess | undefined;
  try {
    // The server applies the migrations and syncs the content types; then the data is generated.
    server = await startContentgraph(db.serverEnv);
    const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
      if (db.kind === 'postgresql') return fn();
      await server!.stop();
      server = undefined;
      try {
        return await fn();
      } finally {
        server = await startContentgraph(db.serverEnv);
      }
    };
    const sql: BenchContext['sql'] = (fn) => exclusive(() => db.withSql(fn));
    const seedStarted = performance.now();
    const [data, token] = await sql(async (sql) => {
      await seedBase(sql, knobs.objects);
      return [await counts(sql), await createToken(sql)];
    });
    const ctx: BenchContext = { knobs, db, server: () => server!, exclusive, sql, token, shared: {} };
    console.log(`contentgraph bench on ${db.kind === 'postgresql' ? 'PostgreSQL' : 'embedded PGlite'}, node ${process.version}, ${machineLoad()}`);
    console.log(`server under test: ${DIST_SERVER} (NODE_ENV=production), a process of its own`);
    console.log(`data: ${data} (generated in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s)`);
    for (const section of sections) {
      const started = performance.now();
      report.heading(`${section.name}: ${section.title}`);
      await section.run(ctx);
      report.line(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await server?.stop().catch((error) => console.error(error));
    await db.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
