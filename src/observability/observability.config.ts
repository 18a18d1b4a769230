/**
 * What the environment says about logs, metrics, traces and slow operations
 * (docs/operations.md lists every variable). Read once, with the rest of the
 * server's configuration; a malformed value stops the server at start-up with
 * a message naming the variable.
 */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface ObservabilityConfig {
  log: {
    level: LogLevel;
    /** Human-readable lines (pino-pretty) instead of one JSON object per line. */
    pretty: boolean;
    /** Log every SQL statement (text with its literals replaced, never its parameters) at debug level. */
    sql: boolean;
  };
  /** An operation at least this slow logs a `slow operation` warning; undefined: never. */
  slowOperationMs: number | undefined;
  metrics: {
    enabled: boolean;
    /** Serve `/metrics` on this port of its own (and not on the GraphQL port); undefined: on the GraphQL port. */
    port: number | undefined;
    host: string;
    /** Distinct operation names that get a label of their own; later ones are counted as `__other`. */
    maxOperationNames: number;
  };
  tracing: {
    /** OTLP/HTTP (JSON) endpoint for spans, e.g. `http://localhost:4318/v1/traces`; undefined: tracing off. */
    endpoint: string | undefined;
    serviceName: string;
    sampler: TraceSampler;
  };
}

export interface TraceSampler {
  /** Follow the sampling decision of an incoming `traceparent`. */
  parentBased: boolean;
  /** Share of new traces that are recorded, 0 to 1. */
  ratio: number;
}

/**
 * Defaults follow NODE_ENV like the rest of the configuration: pretty lines in
 * development, JSON otherwise; level `info`, `warn` under NODE_ENV=test (the
 * test runner's output), `debug` with DEBUG_SQL=true.
 */
export function loadObservabilityConfig(env: NodeJS.ProcessEnv): ObservabilityConfig {
  const development = env.NODE_ENV !== 'production' && env.NODE_ENV !== 'test';
  const debugSql = env.DEBUG_SQL === 'true';
  const level = (env.LOG_LEVEL || (debugSql ? 'debug' : env.NODE_ENV === 'test' ? 'warn' : 'info')).toLowerCase();
  if (!LOG_LEVELS.includes(level as LogLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
  }
  const format = env.LOG_FORMAT || (development ? 'pretty' : 'json');
  if (format !== 'json' && format !== 'pretty') throw new Error(`LOG_FORMAT must be json or pretty (got "${env.LOG_FORMAT}")`);
  return {
    log: { level: level as LogLevel, pretty: format === 'pretty', sql: debugSql || level === 'debug' || level === 'trace' },
    slowOperationMs:
      env.SLOW_OPERATION_MS === 'off' ? undefined : integer(env, 'SLOW_OPERATION_MS', 1000, 0, 86_400_000, ' or "off"'),
    metrics: {
      enabled: boolean(env, 'METRICS', true),
      port: env.METRICS_PORT ? integer(env, 'METRICS_PORT', 0, 0, 65535) : undefined,
      host: env.METRICS_HOST || env.HOST || 'localhost',
      maxOperationNames: integer(env, 'METRICS_MAX_OPERATION_NAMES', 100, 0, 10_000),
    },
    tracing: {
      endpoint: tracesEndpoint(env),
      serviceName: env.OTEL_SERVICE_NAME || 'contentgraph',
      sampler: sampler(env),
    },
  };
}

/**
 * The OTLP traces URL, from the standard variables: the signal-specific
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is, or `OTEL_EXPORTER_OTLP_ENDPOINT`
 * plus `/v1/traces`. Undefined when neither is set, or tracing is switched off
 * (`OTEL_SDK_DISABLED=true`, `OTEL_TRACES_EXPORTER=none`).
 */
function tracesEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return undefined;
  if (env.OTEL_TRACES_EXPORTER && env.OTEL_TRACES_EXPORTER !== 'otlp') {
    throw new Error(`OTEL_TRACES_EXPORTER must be otlp or none (got "${env.OTEL_TRACES_EXPORTER}")`);
  }
  if (env.OTEL_EXPORTER_OTLP_PROTOCOL && env.OTEL_EXPORTER_OTLP_PROTOCOL !== 'http/json') {
    throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL must be http/json, the one protocol contentgraph exports (got "${env.OTEL_EXPORTER_OTLP_PROTOCOL}")`);
  }
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const general = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url = specific || (general ? `${general.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${specific ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT'} must be an http(s) URL (got "${url}")`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`${specific ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT'} must be an http(s) URL (got "${url}")`);
  }
  return parsed.toString();
}

/** `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`, as the OpenTelemetry specification names them. */
function sampler(env: NodeJS.ProcessEnv): TraceSampler {
  const name = env.OTEL_TRACES_SAMPLER || 'parentbased_always_on';
  const arg = env.OTEL_TRACES_SAMPLER_ARG;
  const ratio = arg === undefined || arg === '' ? 1 : Number(arg);
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1 (got "${arg}")`);
  switch (name) {
    case 'always_on':
      return { parentBased: false, ratio: 1 };
    case 'always_off':
      return { parentBased: false, ratio: 0 };
    case 'traceidratio':
      return { parentBased: false, ratio };
    case 'parentbased_always_on':
      return { parentBased: true, ratio: 1 };
    case 'parentbased_always_off':
      return { parentBased: true, ratio: 0 };
    case 'parentbased_traceidratio':
      return { parentBased: true, ratio };
    default:
      throw new Error(
        `OTEL_TRACES_SAMPLER must be always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio (got "${name}")`,
      );
  }
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (value !== 'true' && value !== 'false') throw new Error(`${name} must be true or false (got "${value}")`);
  return value === 'true';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, also = ''): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}${also} (got "${value}")`);
  }
  return parsed;
}
