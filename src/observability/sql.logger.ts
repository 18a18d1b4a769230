import type { Logger as OrmLogger, LogContext, LoggerNamespace } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { DEADLINE_LABEL } from '../server/pipeline/request-deadline.js';
import { currentStatementScope } from '../server/statement-counter.js';
import { redactErrorText, redactSql } from './log-redaction.js';
import { sqlCommand } from './metric-labels.js';
import type { ServerMetrics } from './metrics.js';
import { currentObservation } from './request.observation.js';

export interface SqlLoggerOptions {
  /** Log each statement at debug level (text with literals replaced; parameters never). */
  logStatements: boolean;
  metrics: ServerMetrics | undefined;
}

/**
 * MikroORM's logger, which sees every SQL statement of every path (entity
 * loads, query builders, raw SQL, loaders), once it has run. For each one it
 * counts it for the request (`extensions.sqlStatements`, the request log line
 * and `graphql_request_sql_statements`), times it (`db_statement_duration_seconds`),
 * records a span under the GraphQL phase that issued it when tracing is on,
 * and logs it at debug level when asked to. MikroORM's own messages go to
 * the server's logger.
 */
export class SqlLogger implements OrmLogger {
  constructor(
    private readonly logger: Logger,
    private readonly options: SqlLoggerOptions,
  ) {}

  logQuery(context: LogContext): void {
    const sql = context.query;
    if (!sql) return;
    // The deadline's `SET LOCAL statement_timeout` is bookkeeping of the server, not a statement of the query.
    const counted = context.label !== DEADLINE_LABEL;
    const scope = currentStatementScope();
    if (scope && counted) scope.count++;
    const observation = currentObservation();
    if (observation && counted) observation.statements++;
    const tookMs = context.took ?? 0;
    const failed = context.level === 'error';
    this.options.metrics?.recordStatement(sql, tookMs / 1000, failed);
    const parent = observation?.phaseSpan ?? observation?.span;
    if (observation?.tracing && parent) {
      // MikroORM reports the statement once it ran: its span ends now and started `took` ms ago (one clock for both).
      const endTime = Date.now();
      const command = sqlCommand(sql);
      const span = observation.tracing.startSpan(
        command === 'other' ? 'SQL' : command.toUpperCase(),
        parent,
        {
          'db.system.name': 'postgresql',
          'db.operation.name': command,
          'db.query.text': redactSql(sql),
          ...(context.results !== undefined ? { 'db.response.returned_rows': context.results } : {}),
        },
        endTime - tookMs,
        'client',
      );
      if (failed) observation.tracing.fail(span, 'statement failed');
      span.end(endTime);
    }
    if (this.options.logStatements) {
      const log = observation?.log ?? this.logger;
      if (log.isLevelEnabled('debug')) {
        log.debug({ sql: redactSql(sql), durationMs: tookMs, rows: context.results, affected: context.affected, failed }, 'sql statement');
      }
    }
  }

  log(namespace: LoggerNamespace | string, message: string, context?: LogContext): void {
    const fields = { component: 'mikro-orm', namespace };
    const text = redactErrorText(message);
    if (context?.level === 'error') this.logger.error(fields, text);
    else if (context?.level === 'warning' || namespace === 'deprecated') this.logger.warn(fields, text);
    else this.logger.debug(fields, text);
  }

  error(namespace: LoggerNamespace | string, message: string, context?: LogContext): void {
    this.log(namespace, message, { ...context, level: 'error' });
  }

  warn(namespace: LoggerNamespace | string, message: string, context?: LogContext): void {
    this.log(namespace, message, { ...context, level: 'warning' });
  }

  setDebugMode(): void {
    // The level comes from LOG_LEVEL / DEBUG_SQL, not from MikroORM's `debug` option.
  }

  /** `query-params` is never on: MikroORM then hands over statements with placeholders, not inlined values. */
  isEnabled(namespace: LoggerNamespace): boolean {
    return namespace === 'query' && this.options.logStatements && this.logger.isLevelEnabled('debug');
  }
}
