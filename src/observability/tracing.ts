import { withTimeout } from '../server/with-timeout.js';
import type { Attributes, Span, SpanKind } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { ObservabilityConfig } from './observability.config.js';

export type { Span } from '@opentelemetry/api';

/**
 * The server's tracer, only when an OTLP endpoint is configured. Nothing of
 * the OpenTelemetry SDK is loaded otherwise, and the code that would make a
 * span sees `undefined` and makes none: tracing off costs one `if`.
 *
 * Spans are parented explicitly (request → GraphQL phase → SQL statement)
 * from the request's observation, so no global context manager is needed.
 */
export interface Tracing {
  /** The server span of an HTTP request, child of the caller's `traceparent` when it sends a valid one. */
  startRequestSpan(name: string, headers: Record<string, string | string[] | undefined>, attributes: Attributes): Span;
  /** A span under `parent`; `startTime` (epoch ms) for spans recorded after the fact (SQL statements). */
  startSpan(name: string, parent: Span, attributes?: Attributes, startTime?: number, kind?: 'client' | 'internal'): Span;
  /** Marks a span failed (status ERROR) with a message that carries no user data. */
  fail(span: Span, message: string): void;
  forceFlush(): Promise<void>;
  /** Flushes and stops; never rejects, and waits at most TRACING_SHUTDOWN_MS for the collector. */
  shutdown(): Promise<void>;
}

/**
 * How long a stop waits for the last spans to reach the collector. Traces
 * are best effort: a collector that is down, refuses them (404, 5xx) or never
 * answers must neither fail the stop nor hold it for the exporter's own
 * 10-second timeout.
 */
export const TRACING_SHUTDOWN_MS = 2_000;

export async function startTracing(config: ObservabilityConfig['tracing'], logger: Logger): Promise<Tracing | undefined> {
  if (!config.endpoint) return undefined;
  const [api, core, sdk, resources, otlp] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const log = logger.child({ component: 'tracing' });
  api.diag.setLogger(
    {
      error: (message) => log.warn(message),
      warn: (message) => log.warn(message),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    api.DiagLogLevel.WARN,
  );
  const root = new sdk.TraceIdRatioBasedSampler(config.sampler.ratio);
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': config.serviceName, 'process.pid': process.pid }),
    sampler: config.sampler.parentBased ? new sdk.ParentBasedSampler({ root }) : root,
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter: new otlp.OTLPTraceExporter({ url: config.endpoint }), scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('contentgraph');
  const propagator = new core.W3CTraceContextPropagator();
  const kinds: Record<'server' | 'client' | 'internal', SpanKind> = {
    server: api.SpanKind.SERVER,
    client: api.SpanKind.CLIENT,
    internal: api.SpanKind.INTERNAL,
  };
  log.info({ endpoint: config.endpoint, serviceName: config.serviceName }, 'exporting traces over OTLP/HTTP');
  return {
    startRequestSpan(name, headers, attributes) {
      const parent = propagator.extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter);
      return tracer.startSpan(name, { kind: kinds.server, attributes }, parent);
    },
    startSpan(name, parent, attributes, startTime, kind = 'internal') {
      return tracer.startSpan(name, { kind: kinds[kind], attributes, startTime }, api.trace.setSpan(api.ROOT_CONTEXT, parent));
    },
    fail(span, message) {
      span.setStatus({ code: api.SpanStatusCode.ERROR, message });
    },
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      const flushed = provider.shutdown().catch((error: unknown) => log.warn({ err: error }, 'the last spans could not be exported: dropped'));
      try {
        if (!(await withTimeout(flushed, TRACING_SHUTDOWN_MS))) {
          log.warn(`the OTLP collector did not take the last spans within ${TRACING_SHUTDOWN_MS} ms: dropped`);
        }
      } finally {
        api.diag.disable();
      }
    },
  };
}
