import 'reflect-metadata';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer } from '@apollo/server';
import type { MikroORM } from '@mikro-orm/core';
import { createAppRegistry } from '../app/registry.js';
import { createNodeTypes } from '../app/node-types.js';
import { buildAppSchema } from '../app/schema.js';
import { seedDemoData } from '../app/demo-data.js';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import type { AppConfig } from './config.js';
import { createApollo } from './apollo.js';
import { type AppContext, type AppServices, createContext } from './context.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { prepareDatabase } from './database.js';
import { createHttpServer } from './http.js';
import { initOrm, rootEm } from './orm.js';

export interface RunningServer {
  url: string;
  services: AppServices;
  orm: MikroORM;
  registry: ContentTypeRegistry;
  apollo: ApolloServer<AppContext>;
  httpServer: http.Server;
  /** What start-up did: migrations applied, demo data loaded. */
  startup: { migrations: string[]; seeded: boolean };
  /** Stops accepting, finishes in-flight requests, closes the database. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts contentgraph: locks the embedded data directory, initialises the
 * ORM (running the content-type checks), applies migrations and syncs content
 * types under an advisory lock, loads demo data into an empty database, and
 * serves GraphQL on `config.port` (0 for any free port).
 */
export async function startServer(config: AppConfig): Promise<RunningServer> {
  const lock: DataDirLock | undefined = config.databaseUrl ? undefined : acquireDataDirLock(config.dataDir);
  let orm: MikroORM | undefined;
  try {
    const registry = createAppRegistry();
    orm = await initOrm(config, registry);
    const migrations = await prepareDatabase(orm, registry, config);
    const seeded = config.seedDemoData ? await seedDemoData(rootEm(orm).fork(), registry) : false;
    const services: AppServices = { config, orm, registry, nodeTypes: createNodeTypes(registry) };
    const schema = await buildAppSchema(registry);
    let apollo: ApolloServer<AppContext> | undefined;
    const httpServer = createHttpServer(
      () => apollo!,
      async (headers) => createContext(services, headers),
    );
    apollo = createApollo(schema, config, httpServer);
    await apollo.start();
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
    const address = httpServer.address() as AddressInfo;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    let stopping: Promise<void> | undefined;
    const openOrm = orm;
    return {
      url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/graphql`,
      services,
      orm,
      registry,
      apollo,
      httpServer,
      startup: { migrations, seeded },
      stop: () =>
        (stopping ??= (async () => {
          await apollo!.stop(); // drains: stops accepting, waits for in-flight requests
          await openOrm.close();
          lock?.release();
        })()),
    };
  } catch (error) {
    await orm?.close(true).catch(() => undefined);
    lock?.release();
    throw error;
  }
}
