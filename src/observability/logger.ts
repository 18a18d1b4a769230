import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { serializeError } from './log-redaction.js';
import type { ObservabilityConfig } from './observability.config.js';

export type { Logger } from 'pino';

/**
 * Paths pino blanks whatever logs them: the server never logs headers,
 * variables or tokens, and these keep a future careless line from doing so.
 */
const REDACT = [
  'authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'token',
  'variables',
  'params',
];

/**
 * The server's logger (pino): one JSON object per line, or pretty lines in
 * development; `error` and `fatal` go to stderr, everything else to stdout.
 * `destination` (tests) receives every line instead.
 */
export function createLogger(config: ObservabilityConfig['log'], destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: config.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: serializeError, error: serializeError },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  if (destination) return pino(options, destination);
  const out = config.pretty ? prettyStream(1) : pino.destination({ fd: 1, sync: true });
  const err = config.pretty ? prettyStream(2) : pino.destination({ fd: 2, sync: true });
  return pino(
    options,
    pino.multistream(
      [
        { level: 'trace', stream: out },
        { level: 'error', stream: err },
      ],
      { dedupe: true },
    ),
  );
}

/** pino-pretty, loaded only when pretty output is asked for. */
function prettyStream(fd: 1 | 2): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return pretty({
    destination: fd,
    sync: true,
    colorize: Boolean((fd === 1 ? process.stdout : process.stderr).isTTY),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
}
