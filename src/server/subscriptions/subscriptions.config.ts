import type { IntegerSettings } from '../config.js';

/** Limits of GraphQL over WebSocket (SUBSCRIPTIONS_* in the README's configuration table). */
export interface SubscriptionsConfig {
  /** Open WebSocket connections per server process; more are closed with 4429. */
  maxConnections: number;
  /** Open connections per client address (the budget's address: TRUST_PROXY applies, IPv6 by /64). */
  maxConnectionsPerAddress: number;
  /** Active subscriptions per connection; more are refused with TOO_MANY_SUBSCRIPTIONS. */
  maxPerConnection: number;
  /** Largest WebSocket message accepted, in bytes; larger ones close the connection with 1009. */
  maxMessageBytes: number;
  /** Messages a connection may send per 10 seconds; more close it with 4429. */
  maxMessagesPer10s: number;
  /** Time a client has to send `connection_init` after connecting; then 4408. */
  initTimeoutMs: number;
  /** Interval of the server's WebSocket pings; a client that has not answered by the next one is dropped. 0: none. */
  keepAliveMs: number;
  /**
   * How often the tokens of open connections are checked again (one statement for all of them): a connection
   * whose token was revoked, or whose user was deleted or changed role, is closed with 4403. 0: never.
   */
  tokenRecheckMs: number;
}

export function loadSubscriptionsConfig({ int, ms, periodMs }: IntegerSettings): SubscriptionsConfig {
  return {
    maxConnections: int('SUBSCRIPTIONS_MAX_CONNECTIONS', 10_000, 0),
    maxConnectionsPerAddress: int('SUBSCRIPTIONS_MAX_CONNECTIONS_PER_ADDRESS', 100, 1),
    maxPerConnection: int('SUBSCRIPTIONS_MAX_PER_CONNECTION', 20, 1),
    maxMessageBytes: int('SUBSCRIPTIONS_MAX_MESSAGE_BYTES', 64 * 1024, 1024),
    maxMessagesPer10s: int('SUBSCRIPTIONS_MAX_MESSAGES_PER_10S', 200, 1),
    initTimeoutMs: ms('SUBSCRIPTIONS_INIT_TIMEOUT_MS', 10_000, 100),
    keepAliveMs: ms('SUBSCRIPTIONS_KEEPALIVE_MS', 12_000, 0),
    // 0 or at least a second: each check is a statement on the primary for every process.
    tokenRecheckMs: periodMs('SUBSCRIPTIONS_TOKEN_RECHECK_MS', 30_000),
  };
}

