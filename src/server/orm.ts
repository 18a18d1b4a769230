import fs from 'node:fs';
import path from 'node:path';
import { type EntityClass, MikroORM, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PgliteDriver } from '@mikro-orm/pglite';
import type { EntityManager } from '@mikro-orm/sql';
import { PGliteDialect } from 'kysely';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { appEntities } from '../app/entities.js';
import type { AppConfig } from './config.js';
import { CallbackQueryClient } from './pg-query.client.js';
import { PgliteWorkerClient } from './pglite-worker.client.js';
import { DeadlineSubscriber, refuseStatementsPastDeadline } from './pipeline/request-deadline.js';
import { PreparedReadsDriver } from './prepared-reads.js';
import { PROJECT_ROOT } from './project-root.js';
import { RoutedPostgreSqlDriver } from './replica.driver.js';
import { PinOnTransactionSubscriber } from './replica.route.js';
import { type Observability, standaloneSqlLogger } from '../observability/observability.js';

export { PROJECT_ROOT };
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'migrations');

export interface OrmOptions {
  /** The entity classes to discover; the application's (`appEntities`) when omitted. */
  entities?: EntityClass<any>[];
  /** Migration file generator (the migration tool adds the integrity SQL). */
  migrationGenerator?: NonNullable<Options['migrations']>['generator'];
  /** The server's observability: its SQL logger counts, times, traces and logs every statement. */
  observability?: Observability;
}

/** The embedded database's cluster directory inside the data directory. */
export function pgliteDataPath(config: AppConfig): string {
  return path.join(config.dataDir, 'pgdata');
}

/** One MikroORM configuration for the server, the tests and the migration tool. */
export function createOrmOptions(config: AppConfig, options: OrmOptions = {}): Options {
  const common: Partial<Options> = {
    entities: options.entities ?? appEntities,
    extensions: [Migrator],
    preferTs: true,
    loggerFactory: () => options.observability?.sqlLogger() ?? standaloneSqlLogger(config.observability),
    debug: false, // SQL lines come from the SQL logger (DEBUG_SQL, LOG_LEVEL), never with parameters
    allowGlobalContext: false,
    // Request deadlines (src/server/pipeline/request-deadline.ts): no statement starts
    // after its request's deadline, no transaction commits after it, and on
    // PostgreSQL each request transaction runs under SET LOCAL statement_timeout.
    onQuery: refuseStatementsPastDeadline,
    subscribers: [new DeadlineSubscriber(Boolean(config.databaseUrl))],
    migrations: {
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      glob: '!(*.d).{js,ts}',
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      fileName: (timestamp: string, name?: string) => `Migration${timestamp}${name ? '_' + name : ''}`,
      ...(options.migrationGenerator ? { generator: options.migrationGenerator } : {}),
    },
    schemaGenerator: {
      // Integrity triggers and their functions are generated from the content-type
      // registry (src/generic/integrity.sql.ts) and shipped by our migrations.
      ignoreTriggers: true,
      ignoreRoutines: true,
    },
  };
  if (config.databaseUrl) {
    const postgres = { ...common, driver: PreparedReadsDriver, clientUrl: config.databaseUrl, pool: { min: 0, max: 10 } };
    if (config.replicas.length === 0) return postgres as Options;
    // Read replicas (docs/deployment.md#read-replicas): MikroORM's `replicas`, routed per request by
    // RoutedPostgreSqlDriver. Replicas never run migrations, so they get the serving pool settings at once.
    return {
      ...postgres,
      driver: RoutedPostgreSqlDriver,
      preferReadReplicas: true,
      replicas: config.replicas.map((replica) => ({ name: replica.name, clientUrl: replica.url, driverOptions: replicaPoolOptions(config, replica.name) })),
      subscribers: [...(common.subscribers ?? []), new PinOnTransactionSubscriber()],
    } as Options;
  }
  const dataPath = pgliteDataPath(config);
  fs.mkdirSync(path.dirname(dataPath), { recursive: true });
  // PGlite runs on a worker thread of its own (docs/embedded.md): MikroORM's
  // PGlite driver gets a kysely dialect over that thread instead of an
  // in-process instance. `orm.close()` closes it (kysely's dialect closes its
  // PGlite); connecting again starts a new thread.
  const holder: { client?: PgliteWorkerClient } = {};
  const dialect = new PGliteDialect({ pglite: async () => (holder.client = await PgliteWorkerClient.start(dataPath, { sharedBuffersMb: config.pgliteSharedBuffersMb })) });
  // The running thread, for the subscriptions' LISTEN (pgliteClientOf).
  Object.defineProperty(dialect, PGLITE_CLIENT, { value: holder });
  return { ...common, driver: PgliteDriver, dbName: dataPath, driverOptions: dialect } as Options;
}

const PGLITE_CLIENT = Symbol('contentgraph.pgliteClient');

/** The embedded database's thread of an ORM on PGlite (started by its first connection); undefined on PostgreSQL. */
export function pgliteClientOf(orm: MikroORM): PgliteWorkerClient | undefined {
  const dialect = orm.config.get('driverOptions') as { [PGLITE_CLIENT]?: { client?: PgliteWorkerClient } } | undefined;
  return dialect?.[PGLITE_CLIENT]?.client;
}

/**
 * pg pool settings of a serving server (start.ts reconnects with them after
 * the migrations, which keep the driver's defaults): taking a pooled
 * connection (or opening one) gives up after the request deadline
 * (`connectionTimeoutMillis`), each statement runs under `statement_timeout`
 * = the request deadline (request transactions set their own, the time
 * left), sessions left idle inside a transaction are ended by the server, and
 * TCP keepalive finds dead peers.
 */
export function postgresPoolOptions(config: AppConfig): Record<string, unknown> {
  return {
    connectionTimeoutMillis: config.requestTimeoutMs,
    statement_timeout: config.requestTimeoutMs,
    idle_in_transaction_session_timeout: Math.max(60_000, 2 * config.requestTimeoutMs),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // Who is who in pg_stat_activity.
    application_name: 'contentgraph',
    // pg's Client with its promise form routed through the callback form: nothing changes but what the garbage
    // collector promotes (src/server/pg-query.client.ts). It runs reads with bind values as named statements
    // unless DATABASE_PREPARED_STATEMENTS=false (src/server/prepared-reads.ts).
    Client: CallbackQueryClient,
    preparedStatements: config.preparedStatements,
  };
}

/**
 * pg pool settings of a read replica: the serving settings (statement_timeout =
 * the request deadline: every replica read is a statement outside a
 * transaction) with its own application_name, and a shorter wait for a
 * connection (a quarter of the deadline, at most 2 s): a replica that does
 * not answer leaves the read the rest of the deadline on the primary.
 */
export function replicaPoolOptions(config: AppConfig, name: string): Record<string, unknown> {
  return {
    ...postgresPoolOptions(config),
    connectionTimeoutMillis: Math.max(100, Math.min(2_000, Math.floor(config.requestTimeoutMs / 4))),
    application_name: `contentgraph ${name}`,
  };
}

/**
 * Initialises the ORM and binds the registry to its metadata, which runs the
 * content-type start-up checks (throws ContentTypeCheckError).
 */
export async function initOrm(config: AppConfig, registry: ContentTypeRegistry, options: OrmOptions = {}): Promise<MikroORM> {
  const orm = await MikroORM.init(createOrmOptions(config, options));
  try {
    registry.bind(orm.getMetadata());
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return orm;
}

export function rootEm(orm: MikroORM): EntityManager {
  return orm.em as unknown as EntityManager;
}
