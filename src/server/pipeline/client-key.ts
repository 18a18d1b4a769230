import { hashApiToken } from '../../accounts/api-token.service.js';
import type http from 'node:http';
import net from 'node:net';
import type { VerifiedTokens } from './verified-tokens.js';

/** Whom a request's budget is charged to, and the key of the token it presents. */
export interface ClientIdentity {
  /** `token:<hash>` or `ip:<address>`: the budget this request is charged to. */
  key: string;
  /** `token:<sha256 of the bearer token, 16 hex>` when the request presents one, verified or not. */
  tokenKey: string | undefined;
}

/**
 * The API token of an `Authorization: Bearer …` value, its SHA-256 (the
 * stored `api_token.token_hash`) and its budget key (`token:` and the first 16
 * hex digits of that hash); undefined without a bearer token.
 */
export function bearerToken(authorization: string | undefined): { token: string; hash: string; key: string } | undefined {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token) return undefined;
  const hash = hashApiToken(token);
  return { token, hash, key: `token:${hash.slice(0, 16)}` };
}

/**
 * Whom a request's budget is charged to, without a database lookup:
 *
 * - `token:<hash>` when the request presents an `Authorization: Bearer …`
 *   token that this process has seen authenticate recently (`verified`):
 *   every real token has a budget of its own.
 * - `ip:<address>` otherwise, also for a token not verified yet (the
 *   pipeline checks it before the operation runs, see pipeline.plugin.ts):
 *   the peer address, or with `trustProxy` = n the n-th address from the
 *   right of X-Forwarded-For (the one the nearest of our n proxies saw;
 *   a port some proxies append, `1.2.3.4:5678` or `[v6]:port`, is dropped).
 *   IPv6 addresses are keyed by their /64 network, which one host usually
 *   owns whole.
 */
export function identifyClient(req: http.IncomingMessage, trustProxy: number, verified: VerifiedTokens): ClientIdentity {
  const tokenKey = bearerToken(req.headers.authorization)?.key;
  if (tokenKey && verified.has(tokenKey)) return { key: tokenKey, tokenKey };
  return { key: `ip:${addressKey(clientAddress(req, trustProxy))}`, tokenKey };
}

/** The client's address: the socket's peer, or the trusted X-Forwarded-For entry. */
export function clientAddress(req: http.IncomingMessage, trustProxy: number): string {
  const peer = req.socket?.remoteAddress ?? 'unknown';
  if (trustProxy <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  // Our proxies append what they saw; entries further left are the client's word.
  const candidate = withoutPort(forwarded[forwarded.length - trustProxy] ?? forwarded[0]);
  return candidate && net.isIP(candidate) ? candidate : peer;
}

/**
 * Some proxies (Azure Application Gateway, IIS ARR) append `address:port`
 * (`[v6]:port`); the port is not the client's identity. Anything else is
 * returned as it is (and refused by the caller unless it is an address).
 */
function withoutPort(entry: string | undefined): string | undefined {
  const match = entry && (/^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(entry) ?? /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(entry));
  return match && Number(match[2]) <= 65535 ? match[1] : entry;
}

export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (net.isIPv6(address)) {
    const groups = expandIPv6(address);
    return `${groups.slice(0, 4).join(':')}::/64`;
  }
  return address;
}

function expandIPv6(address: string): string[] {
  const [head, tail = ''] = address.split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array(Math.max(0, missing)).fill('0'), ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}
