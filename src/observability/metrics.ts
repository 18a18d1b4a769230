import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  errorCodeLabel,
  methodLabel,
  OperationNameLabels,
  operationTypeLabel,
  routeLabel,
  sqlCommand,
} from './metric-labels.js';
import { knownOperationNames } from './known-operations.js';
import { type TransactionRetryMessage, transactionRetryChannel } from '../generic/transaction.js';

/** What one finished HTTP request contributes to the metrics. */
export interface RequestRecord {
  method: string | undefined;
  path: string;
  status: number;
  durationSeconds: number;
  /** Present when the request reached GraphQL (Apollo saw it). */
  graphql?: {
    /** The operation's name; null for an anonymous operation. */
    operationName: string | null;
    operationType: string | undefined;
    /** The operation parsed and validated (an operation was resolved). */
    resolved: boolean;
    statements: number;
    /** The analysed cost (`ctx.cost.cost`), when the server computed one. */
    cost: number | undefined;
    /** `extensions.code` of every error of the response. */
    errorCodes: readonly unknown[];
  };
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STATEMENT_BUCKETS = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100];
const COST_BUCKETS = [1, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/**
 * Every metric contentgraph exports (docs/operations.md lists them), on one
 * prom-client registry. Label values are bounded (metric-labels.ts).
 */
export class ServerMetrics {
  readonly operationNames: OperationNameLabels;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpInFlight: Gauge;
  readonly requestDuration: Histogram<'operation_name' | 'operation_type'>;
  readonly errors: Counter<'code' | 'operation_name'>;
  readonly statements: Histogram<'operation_name' | 'operation_type'>;
  readonly cost: Histogram<'operation_name' | 'operation_type'>;
  readonly statementDuration: Histogram<'command' | 'outcome'>;
  readonly wsConnections: Gauge;
  readonly subscriptions: Gauge;
  readonly subscriptionEvents: Counter<'table'>;
  readonly subscriptionMessages: Counter<'outcome'>;
  readonly listenerReconnects: Counter;
  readonly memoryReleases: Counter;
  readonly memoryReleasedBytes: Counter;
  readonly queryCompilations: Counter;
  readonly transactionRetries: Counter<'reason' | 'outcome'>;

  constructor(
    readonly registry: Registry,
    options: { maxOperationNames: number; reservedOperationNames?: Iterable<string>; defaultMetrics?: boolean },
  ) {
    this.operationNames = new OperationNameLabels(options.maxOperationNames, options.reservedOperationNames);
    const registers = [registry];
    this.httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route (/graphql, /healthz, /readyz, /metrics or other) and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpInFlight = new Gauge({ name: 'http_requests_in_flight', help: 'HTTP requests being answered now.', registers });
    this.requestDuration = new Histogram({
      name: 'graphql_request_duration_seconds',
      help: 'Time from receiving a GraphQL request to the end of its response, by operation name and type.',
      labelNames: ['operation_name', 'operation_type'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.errors = new Counter({
      name: 'graphql_errors_total',
      help: 'Errors in GraphQL responses, by extensions.code and operation name.',
      labelNames: ['code', 'operation_name'],
      registers,
    });
    this.statements = new Histogram({
      name: 'graphql_request_sql_statements',
      help: 'SQL statements one GraphQL request issued, by operation name and type.',
      labelNames: ['operation_name', 'operation_type'],
      buckets: STATEMENT_BUCKETS,
      registers,
    });
    this.cost = new Histogram({
      name: 'graphql_operation_cost',
      help: 'Analysed cost of GraphQL operations (when the server computes one), by operation name and type.',
      labelNames: ['operation_name', 'operation_type'],
      buckets: COST_BUCKETS,
      registers,
    });
    this.statementDuration = new Histogram({
      name: 'db_statement_duration_seconds',
      help: 'Duration of SQL statements (including any wait for the connection), by command and outcome (ok, error).',
      labelNames: ['command', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.memoryReleases = new Counter({
      name: 'idle_memory_releases_total',
      help: 'Full garbage collections run to give memory back after IDLE_MEMORY_RELEASE_MS without a request.',
      registers,
    });
    this.memoryReleasedBytes = new Counter({
      name: 'idle_memory_released_bytes_total',
      help: 'Resident memory (RSS) those collections gave back to the system.',
      registers,
    });
    this.queryCompilations = new Counter({
      name: 'graphql_query_compilations_total',
      help: 'Queries compiled (graphql-jit) on their GRAPHQL_COMPILE_AFTER-th run, dropped from the compiled set when it was full (evicted), or left to graphql-js because they could not be compiled (refused).',
      labelNames: ['event'],
      registers,
    });
    this.transactionRetries = new Counter({
      name: 'db_transaction_retries_total',
      help:
        'Mutation transactions PostgreSQL aborted as a deadlock victim or a serialization failure, by reason, and whether the transaction was run again (retried) or the error answered (gave_up, after 3 attempts).',
      labelNames: ['reason', 'outcome'],
      registers,
    });
    transactionRetryChannel.subscribe(this.#countRetry);
    this.wsConnections = new Gauge({ name: 'graphql_ws_connections', help: 'Open GraphQL WebSocket (graphql-ws) connections.', registers });
    this.subscriptions = new Gauge({ name: 'graphql_subscriptions', help: 'Active GraphQL subscriptions.', registers });
    this.subscriptionEvents = new Counter({
      name: 'subscription_events_total',
      help: 'Committed inserts heard on the LISTEN connection, by table (whether or not anyone subscribed).',
      labelNames: ['table'],
      registers,
    });
    this.subscriptionMessages = new Counter({
      name: 'subscription_messages_total',
      help: 'Subscription results sent to clients (next) and subscriptions refused or ended with an error (error).',
      labelNames: ['outcome'],
      registers,
    });
    this.listenerReconnects = new Counter({
      name: 'subscription_listener_reconnects_total',
      help: 'Attempts to open the LISTEN connection to PostgreSQL again after losing it.',
      registers,
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  }

  readonly #countRetry = (message: unknown) => {
    const { reason, retried } = message as TransactionRetryMessage;
    this.transactionRetries.inc({ reason, outcome: retried ? 'retried' : 'gave_up' });
  };

  /** Stops counting what this process reports on its diagnostics channels (the process's own metrics never stop). */
  dispose(): void {
    transactionRetryChannel.unsubscribe(this.#countRetry);
  }

  /** Records a finished HTTP request (and its GraphQL operation, if any). */
  recordRequest(record: RequestRecord): void {
    this.httpRequests.inc({ method: methodLabel(record.method), route: routeLabel(record.path), status: statusLabel(record.status) });
    const graphql = record.graphql;
    if (!graphql) return;
    const labels = {
      operation_name: this.operationNames.label(graphql.operationName, graphql.resolved),
      operation_type: operationTypeLabel(graphql.operationType),
    };
    this.requestDuration.observe(labels, record.durationSeconds);
    this.statements.observe(labels, graphql.statements);
    if (graphql.cost !== undefined && Number.isFinite(graphql.cost)) this.cost.observe(labels, graphql.cost);
    for (const code of graphql.errorCodes) this.errors.inc({ code: errorCodeLabel(code), operation_name: labels.operation_name });
  }

  /** Records one SQL statement (its text only gives the command label). */
  recordStatement(sql: string, seconds: number, failed: boolean): void {
    this.statementDuration.observe({ command: sqlCommand(sql), outcome: failed ? 'error' : 'ok' }, seconds);
  }
}

function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'other';
}

let processMetrics: ServerMetrics | undefined;

/**
 * The metrics of this process: one registry per process, however many
 * servers it runs (tests start several), as one process is one scrape
 * target. The first caller's cap on operation names applies. The names of
 * client/operations/ are labelled outside the cap (known-operations.ts).
 */
export function getProcessMetrics(options: { maxOperationNames: number }): ServerMetrics {
  processMetrics ??= new ServerMetrics(new Registry(), { ...options, reservedOperationNames: knownOperationNames() });
  return processMetrics;
}
