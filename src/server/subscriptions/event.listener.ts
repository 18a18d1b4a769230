import type { MikroORM } from '@mikro-orm/core';
import pg from 'pg';
import type { ContentTypeRegistry } from '../../generic/content-type.registry.js';
import { type EventHub, ServerEvent, topicOf } from '../../generic/events.js';
import { RequestLoaders } from '../../generic/request-loaders.js';
import type { Logger } from '../../observability/logger.js';
import type { ServerMetrics } from '../../observability/metrics.js';
import { pgliteClientOf, rootEm } from '../orm.js';

/** The channel the migration's trigger (`contentgraph_notify_insert`) notifies on. */
const EVENTS_CHANNEL = 'contentgraph_events';

/** Tables whose inserts are announced (the migration's triggers); anything else on the channel is ignored. */
const TABLES = new Set(['activity_entry', 'comment']);

/** Back-off between attempts to LISTEN again after losing the connection. */
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 10_000;
/** How long closing waits for PostgreSQL to acknowledge the end of the LISTEN session. */
const CLOSE_WAIT_MS = 1000;

export interface EventListener {
  close(): Promise<void>;
}

export interface EventListenerOptions {
  orm: MikroORM;
  registry: ContentTypeRegistry;
  hub: EventHub;
  /** The topics' prefix of this server (`EventContext.eventSource`). */
  source: string;
  /** `postgres://…`: a dedicated LISTEN connection; otherwise the embedded PGlite's in-process LISTEN. */
  databaseUrl: string | undefined;
  log: Logger;
  metrics: ServerMetrics | undefined;
}

/**
 * Hears the database's announcements of committed inserts and publishes each
 * into the hub as one ServerEvent (shared by all of this process's
 * subscribers). Payloads are checked: `{"t": <table>, "id": <key>}` from our
 * trigger, anything else is ignored. An event nobody in this process
 * subscribes to costs nothing (no loaders, no SQL).
 */
export async function startEventListener(options: EventListenerOptions): Promise<EventListener> {
  const { orm, registry, hub, source } = options;
  const deliver = (payload: string) => {
    const event = parsePayload(payload);
    if (!event) {
      options.log.warn({ payload: payload.slice(0, 200) }, `ignored a notification on ${EVENTS_CHANNEL} that is not an event`);
      return;
    }
    options.metrics?.subscriptionEvents.inc({ table: event.table });
    const topic = topicOf(source, event.table);
    if (hub.listenerCount(topic) === 0) return;
    hub.publish(topic, new ServerEvent(event.id, () => {
      const em = rootEm(orm).fork({ clear: true, useContext: false });
      return new RequestLoaders(em, registry);
    }));
  };
  if (!options.databaseUrl) return listenOnPglite(orm, deliver);
  return PostgresListener.start(options.databaseUrl, deliver, options.log, options.metrics);
}

/** `{ t, id }` of a well-formed payload, otherwise undefined. */
export function parsePayload(payload: string): { table: string; id: number | string } | undefined {
  if (payload.length > 1000) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const { t, id } = (parsed ?? {}) as { t?: unknown; id?: unknown };
  if (typeof t !== 'string' || !TABLES.has(t)) return undefined;
  if (!(typeof id === 'number' && Number.isSafeInteger(id)) && !(typeof id === 'string' && id.length > 0 && id.length <= 200)) return undefined;
  return { table: t, id };
}

async function listenOnPglite(orm: MikroORM, deliver: (payload: string) => void): Promise<EventListener> {
  // The thread starts with the ORM's first connection; make sure there is one.
  if (!pgliteClientOf(orm)) await rootEm(orm).getConnection().execute('select 1');
  const client = pgliteClientOf(orm);
  if (!client) throw new Error('The embedded database thread is not running: cannot LISTEN for subscriptions.');
  const stop = await client.listen(EVENTS_CHANNEL, deliver);
  return { close: async () => stop() };
}

/**
 * One dedicated PostgreSQL session per process that LISTENs (a pooled
 * connection cannot: LISTEN belongs to its session). When it is lost (the
 * server restarted, the network failed) it is opened again with back-off
 * (0.2 s doubling to 10 s), each attempt logged; notifications sent while it
 * was down are lost (PostgreSQL keeps none for absent sessions): clients
 * refetch after a gap (docs/deployment.md).
 */
class PostgresListener implements EventListener {
  #client: pg.Client | undefined;
  #closed = false;
  #retryMs = RETRY_MIN_MS;
  #timer: NodeJS.Timeout | undefined;
  #down = false;

  private constructor(
    private readonly url: string,
    private readonly deliver: (payload: string) => void,
    private readonly log: Logger,
    private readonly metrics: ServerMetrics | undefined,
  ) {}

  static async start(url: string, deliver: (payload: string) => void, log: Logger, metrics: ServerMetrics | undefined): Promise<PostgresListener> {
    const listener = new PostgresListener(url, deliver, log, metrics);
    await listener.#connect(); // the first attempt must work: the server starts only with a working database
    return listener;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'contentgraph-listen', connectionTimeoutMillis: 10_000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    client.on('notification', (message) => {
      if (message.channel === EVENTS_CHANNEL && message.payload !== undefined) this.deliver(message.payload);
    });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => undefined);
      if (this.#closed) return;
      this.#down = true;
      this.log.warn({ err: error }, `subscriptions: lost the LISTEN connection to PostgreSQL; events are not delivered until it is back (retrying in ${this.#retryMs} ms)`);
      this.#schedule();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      lost = true;
      client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#retryMs = RETRY_MIN_MS;
    if (this.#down) {
      this.#down = false;
      this.log.info('subscriptions: LISTEN connection to PostgreSQL restored; events committed while it was down were not delivered');
    }
  }

  #schedule(): void {
    if (this.#closed || this.#timer) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.metrics?.listenerReconnects.inc();
      this.#connect().catch((error: unknown) => {
        this.log.warn({ err: error }, `subscriptions: could not LISTEN on PostgreSQL again (retrying in ${this.#retryMs} ms)`);
        this.#schedule();
      });
    }, delay);
    this.#timer.unref();
  }

  /**
   * Ends the LISTEN session: politely (Terminate) when the server answers
   * within a second, otherwise by closing the socket, so that a stalled
   * database never holds up a shutdown.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      client.end().then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS))),
    ]);
    clearTimeout(timer);
    if (!ended) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }
}
