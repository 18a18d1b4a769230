import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createAppRegistry } from '../../src/app/registry.js';
import { type AppConfig, loadConfig } from '../../src/server/config.js';
import { prepareDatabase } from '../../src/server/database.js';
import { initOrm } from '../../src/server/orm.js';
import { PgliteWorkerClient } from '../../src/server/pglite-worker.client.js';
import { prepareCoreDatabase } from '../fixtures/core.database.js';
import { databaseUrlFor, uniqueName } from '../helpers/names.js';
import { buildWhenStale } from './build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * PGlite: data directories to copy: `empty`, a cluster just initialised (PGlite's initdb takes seconds);
     * `demo` and `core`, migrated and synced (the application's, and the core test app's).
     */
    pgliteTemplates: { empty: string; demo: string; core: string };
    /** PostgreSQL: the same as template databases. */
    pgTemplates: { demo: string; core: string };
  }
}

async function migrate(config: AppConfig): Promise<void> {
  const registry = createAppRegistry();
  const orm = await initOrm(config, registry);
  await prepareDatabase(orm, registry, config);
  await orm.close(true);
}

/**
 * Prepares two template databases for the whole run, which each test file
 * copies (PGlite: a data directory; PostgreSQL: CREATE DATABASE … TEMPLATE):
 * `demo`, the application migrated and synced; `core`, the same plus the
 * core test app's fixture tables, integrity SQL and content types. Runs on
 * PGlite by default and on the PostgreSQL server when DATABASE_URL is set.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The servers and CLIs the tests start run compiled when dist/ is current (test/setup/build.ts).
  buildWhenStale();
  const serverUrl = process.env.DATABASE_URL;
  const base = loadConfig({ NODE_ENV: 'test', PGLITE_SHARED_BUFFERS_MB: process.env.PGLITE_SHARED_BUFFERS_MB });
  if (!serverUrl) {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-template-empty-'));
    const demo = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-template-demo-'));
    const core = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-template-core-'));
    await (await PgliteWorkerClient.start(path.join(empty, 'pgdata'), { sharedBuffersMb: base.pgliteSharedBuffersMb })).close();
    fs.cpSync(empty, demo, { recursive: true });
    await migrate({ ...base, dataDir: demo, databaseUrl: undefined });
    fs.cpSync(demo, core, { recursive: true });
    fs.rmSync(path.join(core, 'server.lock'), { force: true });
    await prepareCoreDatabase({ ...base, dataDir: core, databaseUrl: undefined });
    project.provide('pgliteTemplates', { empty, demo, core });
    project.provide('pgTemplates', { demo: '', core: '' });
    return async () => {
      for (const dir of [empty, demo, core]) fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  const demo = uniqueName('cg_tpl_demo');
  const core = uniqueName('cg_tpl_core');
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database "${demo}"`);
  await migrate({ ...base, databaseUrl: databaseUrlFor(serverUrl, demo) });
  await admin.query(`create database "${core}" template "${demo}"`);
  await prepareCoreDatabase({ ...base, databaseUrl: databaseUrlFor(serverUrl, core) });
  project.provide('pgTemplates', { demo, core });
  project.provide('pgliteTemplates', { empty: '', demo: '', core: '' });
  return async () => {
    for (const name of [core, demo]) await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  };
}
