import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { EntityClass, MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import { appEntities } from '../../src/app/entities.js';
import { createAppRegistry } from '../../src/app/registry.js';
import type { ContentTypeRegistry } from '../../src/generic/content-type.registry.js';
import { type AppConfig, loadConfig } from '../../src/server/config.js';
import { prepareDatabase } from '../../src/server/database.js';
import { initOrm, rootEm } from '../../src/server/orm.js';
import { coreEntities, createCoreRegistry } from '../fixtures/core.registry.js';
import { databaseUrlFor, uniqueName } from './names.js';
import { copyPgliteTemplate, onPostgres } from './pglite-template.js';

export { onPostgres };
export const databaseKind = onPostgres ? 'postgresql' : 'pglite';

/**
 * Which application a test runs: `core`, the generic features with the
 * test fixtures (test/fixtures/core.*) and no demo domain, so that adding or
 * removing a demo type never touches it; or `demo`, the application itself
 * (src/app), whose tests derive what they expect from its registry.
 */
export type TestApp = 'core' | 'demo';

/** The registry and entity classes of a test app. */
export function testApp(app: TestApp): { registry: ContentTypeRegistry; entities: EntityClass<any>[] } {
  return app === 'core'
    ? { registry: createCoreRegistry(), entities: coreEntities }
    : { registry: createAppRegistry(), entities: appEntities as EntityClass<any>[] };
}

export interface TestDatabase {
  app: TestApp;
  config: AppConfig;
  /** Drops the database (PostgreSQL) or removes the data directory (PGlite). */
  drop(): Promise<void>;
}

// Queries run compiled from their first run (CG_TEST_COMPILE_AFTER=0: on graphql-js), read as GRAPHQL_COMPILE_AFTER is.
const baseConfig = () => ({
  ...loadConfig({ NODE_ENV: 'test', GRAPHQL_COMPILE_AFTER: process.env.CG_TEST_COMPILE_AFTER ?? '1', PGLITE_SHARED_BUFFERS_MB: process.env.PGLITE_SHARED_BUFFERS_MB }),
  port: 0,
  host: '127.0.0.1',
  seedDemoData: false,
  statementCounts: true,
});

/**
 * A fresh, migrated database of its own for a test app: a copy of the run's
 * template data directory (PGlite) or `CREATE DATABASE … TEMPLATE` (PostgreSQL).
 */
export async function createTestDatabase(overrides: Partial<AppConfig> = {}, app: TestApp = 'demo'): Promise<TestDatabase> {
  const base = baseConfig();
  if (!onPostgres) {
    const dataDir = copyPgliteTemplate(app);
    return {
      app,
      config: { ...base, databaseUrl: undefined, dataDir, ...overrides },
      drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const serverUrl = process.env.DATABASE_URL!;
  const name = uniqueName('cg_test');
  await withAdmin(serverUrl, async (admin) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database "${name}" template "${inject('pgTemplates')[app]}"`);
        return;
      } catch (error) {
        // Two CREATE DATABASE … TEMPLATE at once can collide on the template.
        if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  });
  return {
    app,
    config: { ...base, databaseUrl: databaseUrlFor(serverUrl, name), ...overrides },
    drop: () => withAdmin(serverUrl, (admin) => admin.query(`drop database if exists "${name}" with (force)`).then(() => undefined)),
  };
}

/**
 * An empty database, not migrated (for migration tests): on PGlite a copy of
 * the run's freshly initialised cluster, as `CREATE DATABASE` is on PostgreSQL.
 */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const base = baseConfig();
  if (!onPostgres) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-empty-'));
    fs.cpSync(inject('pgliteTemplates').empty, dataDir, { recursive: true });
    return { app: 'demo', config: { ...base, databaseUrl: undefined, dataDir }, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const serverUrl = process.env.DATABASE_URL!;
  const name = uniqueName('cg_empty');
  await withAdmin(serverUrl, (admin) => admin.query(`create database "${name}"`).then(() => undefined));
  return {
    app: 'demo',
    config: { ...base, databaseUrl: databaseUrlFor(serverUrl, name) },
    drop: () => withAdmin(serverUrl, (admin) => admin.query(`drop database if exists "${name}" with (force)`).then(() => undefined)),
  };
}

async function withAdmin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

export interface OpenDatabase {
  db: TestDatabase;
  orm: MikroORM;
  registry: ContentTypeRegistry;
  /** A fresh fork of the root EntityManager. */
  em(): EntityManager;
  /** Runs raw SQL, returns the rows. */
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** A fresh migrated database of a test app with an ORM on it, without the HTTP server. */
export async function openTestDatabase(app: TestApp = 'demo'): Promise<OpenDatabase> {
  const db = await createTestDatabase({}, app);
  const { registry, entities } = testApp(app);
  const orm = await initOrm(db.config, registry, { entities });
  await prepareDatabase(orm, registry, db.config);
  return {
    db,
    orm,
    registry,
    em: () => rootEm(orm).fork(),
    sql: (query, params = []) => rootEm(orm).getConnection().execute(query, params as never[]) as never,
    close: async () => {
      await orm.close(true);
      await db.drop();
    },
  };
}
