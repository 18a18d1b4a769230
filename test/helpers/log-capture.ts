import { pino } from 'pino';
import type { Logger } from '../../src/observability/logger.js';
import { createLogger } from '../../src/observability/logger.js';
import { loadObservabilityConfig, type ObservabilityConfig } from '../../src/observability/observability.config.js';

/** The observability configuration the server would read from `env` (under NODE_ENV=test). */
export function observabilityConfig(env: Record<string, string> = {}): ObservabilityConfig {
  return loadObservabilityConfig({ NODE_ENV: 'test', ...env });
}

export interface CapturedLogs {
  logger: Logger;
  /** Every line written so far, as written. */
  text(): string;
  /** Every line, parsed. */
  lines(): Record<string, any>[];
  /** Lines with this `msg`. */
  withMessage(msg: string): Record<string, any>[];
}

/** The server's real logger (same options), writing to memory instead of stdout/stderr. */
export function captureLogs(config: ObservabilityConfig['log']): CapturedLogs {
  const written: string[] = [];
  const logger = createLogger(config, { write: (line: string) => void written.push(line) } as pino.DestinationStream);
  const lines = () => written.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
  return {
    logger,
    text: () => written.join(''),
    lines,
    withMessage: (msg) => lines().filter((line) => line.msg === msg),
  };
}
