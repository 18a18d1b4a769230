import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import type { Span, Tracing } from './tracing.js';

/** The analysed cost of an operation, as the cost limit puts it on the context (`ctx.cost`). */
export interface OperationCost {
  cost?: number;
  depth?: number;
  aliases?: number;
  [key: string]: unknown;
}

/** What the GraphQL layer learnt about the request's operation. */
export interface GraphQLObservation {
  /** The resolved operation's name, or what the client sent when it did not parse or validate. */
  operationName: string | null;
  operationType: string | undefined;
  /** The document parsed and validated and an operation was chosen. */
  resolved: boolean;
  /** `extensions.code` of each error in the response. */
  errorCodes: unknown[];
  cost: OperationCost | undefined;
  userId: number | undefined;
  /** Milliseconds spent parsing, validating and executing (absent when skipped, e.g. a cached document). */
  phases: { parseMs?: number; validateMs?: number; executeMs?: number };
}

/**
 * One HTTP request as the operator sees it: its id, what it cost, what it
 * was. Lives in an AsyncLocalStorage for the request's duration, so the SQL
 * logger and the Apollo plugin reach it without a parameter.
 */
export interface RequestObservation {
  readonly requestId: string;
  /** The server's logger with `requestId` bound. */
  readonly log: Logger;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** SQL statements issued so far (counted in every mode, production too). */
  statements: number;
  graphql: GraphQLObservation | undefined;
  /** Codes of errors the HTTP layer answered with itself (a malformed body, a refusal). */
  httpErrorCodes: string[];
  /** Tracing on: the request's server span, and the GraphQL phase running now (the parent of SQL spans). */
  tracing: Tracing | undefined;
  span: Span | undefined;
  phaseSpan: Span | undefined;
}

const storage = new AsyncLocalStorage<RequestObservation>();

/** The observation of the request this code runs for; undefined outside a request. */
export function currentObservation(): RequestObservation | undefined {
  return storage.getStore();
}

export function runObserved<T>(observation: RequestObservation, fn: () => T): T {
  return storage.run(observation, fn);
}

/**
 * Notes an error code the HTTP layer answered with (e.g. `BAD_REQUEST` for a
 * malformed body, `RATE_LIMITED` refused before GraphQL): it goes to the
 * request's log line and `graphql_errors_total`.
 */
export function noteHttpErrorCode(code: string): void {
  storage.getStore()?.httpErrorCodes.push(code);
}
