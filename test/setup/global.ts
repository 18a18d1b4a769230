import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createAppRegistry } from '../../src/app/registry.js';
import { loadConfig } from '../../src/server/config.js';
import { prepareDatabase } from '../../src/server/database.js';
import { initOrm } from '../../src/server/orm.js';
import { databaseUrlFor, uniqueName } from '../helpers/names.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite: a migrated, synced data directory to copy. */
    pgliteTemplate: string;
    /** PostgreSQL: a migrated, synced template database. */
    pgTemplate: string;
  }
}

/**
 * Prepares one migrated template database for the whole run, which each test
 * file copies (PGlite: a data directory; PostgreSQL: CREATE DATABASE …
 * TEMPLATE). Runs on PGlite by default and on the PostgreSQL server when
 * DATABASE_URL is set.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = process.env.DATABASE_URL;
  const registry = createAppRegistry();
  if (!serverUrl) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-template-'));
    const config = { ...loadConfig({ NODE_ENV: 'test' }), dataDir, databaseUrl: undefined };
    const orm = await initOrm(config, registry);
    await prepareDatabase(orm, registry, config);
    await orm.close(true);
    project.provide('pgliteTemplate', dataDir);
    project.provide('pgTemplate', '');
    return async () => fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const template = uniqueName('cg_tpl');
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database "${template}"`);
  const config = { ...loadConfig({ NODE_ENV: 'test' }), databaseUrl: databaseUrlFor(serverUrl, template) };
  const orm = await initOrm(config, registry);
  await prepareDatabase(orm, registry, config);
  await orm.close(true);
  project.provide('pgTemplate', template);
  project.provide('pgliteTemplate', '');
  return async () => {
    await admin.query(`drop database if exists "${template}" with (force)`);
    await admin.end();
  };
}
