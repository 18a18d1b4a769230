import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What a client may send as its request id: 1 to 128 characters of URL-safe ASCII (UUIDs, hex trace ids, `Root=1-…`). */
const ACCEPTED = /^[A-Za-z0-9._~:@+=/-]{1,128}$/;

/**
 * The request id of an incoming request: the client's `x-request-id` when it
 * is one value of 1 to 128 URL-safe ASCII characters (a UUID, a trace id, a
 * load balancer's id), else a new UUID. A hostile value (huge, several
 * values, control characters, Unicode look-alikes, quotes) is never echoed or
 * logged; it is replaced.
 */
export function acceptRequestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && ACCEPTED.test(header) ? header : randomUUID();
}
