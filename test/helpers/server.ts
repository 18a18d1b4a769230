import type { AppConfig } from '../../src/server/config.js';
import type { ContentTypeRegistry } from '../../src/generic/content-type.registry.js';
import { type RunningServer, type StartOptions, startServer } from '../../src/server/start.js';
import { createTestDatabase, type TestApp, testApp, type TestDatabase } from './database.js';
import { rootEm } from '../../src/server/orm.js';
import { type CapturedLogs, captureLogs, observabilityConfig } from './log-capture.js';

export interface GraphQLResult<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [key: string]: unknown } }[];
  extensions?: { sqlStatements?: number; [key: string]: unknown };
}

export interface TestServer {
  url: string;
  server: RunningServer;
  db: TestDatabase;
  /** POSTs a GraphQL operation over HTTP, as a client does. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, options?: { token?: string; headers?: Record<string, string> }): Promise<GraphQLResult<T>>;
  /** Raw SQL on the server's database. */
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export interface TestServerOptions extends Pick<StartOptions, 'logger'> {
  /** The demo application (default) or the core test app. */
  app?: TestApp;
  /** Another registry for that app's entities (e.g. with changed delete policies; install its integrity SQL first). */
  registry?: ContentTypeRegistry;
  /** Runs on the fresh database before the server starts. */
  before?: (db: TestDatabase) => Promise<void>;
}

/** Starts the real server on a fresh database of its own, on a free port. */
export async function startTestServer(overrides: Partial<AppConfig> = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const app = options.app ?? 'demo';
  const db = await createTestDatabase(overrides, app);
  await options.before?.(db);
  const { registry, entities } = testApp(app);
  let server: RunningServer;
  try {
    server = await startServer(db.config, { registry: options.registry ?? registry, entities, logger: options.logger });
  } catch (error) {
    await db.drop();
    throw withSharedProcessHint(error);
  }
  return {
    url: server.url,
    server,
    db,
    async gql(query, variables, options = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const response = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      const body = (await response.json()) as GraphQLResult;
      return { ...body, status: response.status };
    },
    sql: (query, params = []) => rootEm(server.orm).getConnection().execute(query, params as never[]) as never,
    async stop() {
      await server.stop();
      await db.drop();
    },
  };
}

/**
 * A test server whose log lines are captured (request log at `info`, no
 * slow-operation lines unless `env` asks for them): for tests that read what
 * the server logged.
 */
export async function startLoggedTestServer(env: Record<string, string> = {}): Promise<{ t: TestServer; logs: CapturedLogs }> {
  const observability = observabilityConfig({ LOG_LEVEL: 'info', SLOW_OPERATION_MS: 'off', ...env });
  const logs = captureLogs(observability.log);
  const t = await startTestServer({ observability }, { logger: logs.logger });
  return { t, logs };
}

/**
 * A server of another registry than the one the test process already serves
 * (`buildAppSchema` refuses it): says what to do about it in a test file.
 */
function withSharedProcessHint(error: unknown): unknown {
  if (!(error instanceof Error) || !error.message.includes('built its schema for another registry')) return error;
  error.message +=
    `. Test files of one app share a process (test/setup/test-projects.ts): a file that starts the core and the demo app, ` +
    `or a registry of other types or relations, needs a line "// @own-process: <why>"`;
  return error;
}
