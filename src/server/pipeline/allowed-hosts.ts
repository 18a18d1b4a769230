/**
 * `ALLOWED_HOSTS`, Django's setting of the same name: the host names this
 * server answers to, checked against each request's `Host` header (HTTP
 * requests and WebSocket upgrades alike).
 *
 * Why: a page on an attacker's domain can make that domain resolve to the
 * server's address after the page has loaded (DNS rebinding). The browser
 * then sends the page's requests, with the attacker's host name in `Host`,
 * to a server it could not otherwise reach (one on a private network), and
 * treats them as same-origin: no CORS applies, and the page reads whatever an
 * anonymous client may. A server that answers only to its own names refuses
 * those requests. Unset (the default): any host, as before.
 *
 * Patterns, as in Django: `api.example.com` (that name), `.example.com` (it
 * and every subdomain), `127.0.0.1`, `[::1]`, or `*` (any). Host names are
 * compared without the port, case-insensitively, a trailing dot ignored.
 */
import { domainToASCII } from 'node:url';

export type AllowedHostsSetting = readonly string[] | '*';

const NAME = /^\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/;

/** An IPv6 literal (`[…]`) in the form a browser sends (`[0:0::1]` → `[::1]`, `[::ffff:127.0.0.1]` → `[::ffff:7f00:1]`); undefined when not one. */
function canonicalIpv6(literal: string): string | undefined {
  if (!IPV6.test(literal)) return undefined;
  try {
    return new URL(`http://${literal}/`).hostname;
  } catch {
    return undefined;
  }
}

/** Parses `ALLOWED_HOSTS` (comma-separated); unset or empty: any host. Throws on an entry that is not a host pattern. */
export function parseAllowedHosts(raw: string | undefined): AllowedHostsSetting {
  if (raw === undefined || raw.trim() === '') return '*';
  const entries = raw
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  if (entries.includes('*')) return '*';
  // Only commas (`ALLOWED_HOSTS=,`, a template whose variables were empty): not "any host", and not a server that answers none.
  if (entries.length === 0) throw new Error(`ALLOWED_HOSTS lists no host ("${raw.slice(0, 100)}"): list host names, or * for any, or leave it unset`);
  return entries.map((written) => {
    const ipv6 = canonicalIpv6(written);
    if (ipv6) return ipv6;
    // A fully qualified name (`api.example.com.`): the Host header's trailing dot is ignored too.
    const entry = written.length > 1 && written.endsWith('.') && !written.endsWith('..') ? written.slice(0, -1) : written;
    if (!NAME.test(entry)) {
      // Browsers send an internationalised name in its ASCII (xn--) form: say which one to list.
      const ascii = /[^\x00-\x7f]/.test(entry) ? domainToASCII(entry.replace(/^\./, '')) : '';
      const hint = ascii && NAME.test(ascii) ? ` (browsers send that name as ${entry.startsWith('.') ? '.' : ''}${ascii}: list it so)` : '';
      throw new Error(
        `ALLOWED_HOSTS entries are host names like api.example.com, .example.com (with subdomains), 127.0.0.1 or [::1], without scheme, port or path; got "${written.slice(0, 100)}"${hint}`,
      );
    }
    // An IPv4 address (a name whose last label is a number, as URLs read it): in the form browsers send,
    // `127.000.000.001` or `0x7f.1` as `127.0.0.1`; `1.2.3.999` is no address and would never match.
    if (!entry.startsWith('.') && /(^|\.)(\d+|0x[0-9a-f]*)$/.test(entry)) {
      try {
        return new URL(`http://${entry}/`).hostname;
      } catch {
        throw new Error(`ALLOWED_HOSTS entry "${entry}" is not an IPv4 address`);
      }
    }
    return entry;
  });
}

/** The host name of a `Host` header: without its port, lower-case, without a trailing dot; undefined when malformed. */
export function hostName(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0 || (end + 1 < value.length && !/^:\d{1,5}$/.test(value.slice(end + 1)))) return undefined;
    return canonicalIpv6(value.slice(0, end + 1));
  }
  const colon = value.lastIndexOf(':');
  let name = colon >= 0 && /^\d{1,5}$/.test(value.slice(colon + 1)) ? value.slice(0, colon) : value;
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name && !name.startsWith('.') && NAME.test(name) ? name : undefined;
}

/** Why a request with this `Host` header is refused, or undefined when the host is allowed. */
export function hostRefusal(allowed: AllowedHostsSetting, header: string | undefined): string | undefined {
  if (allowed === '*') return undefined;
  const name = hostName(header);
  if (name && allowed.some((pattern) => (pattern.startsWith('.') ? name === pattern.slice(1) || name.endsWith(pattern) : name === pattern))) {
    return undefined;
  }
  const shown = header === undefined ? 'no Host header' : `host ${JSON.stringify(header.slice(0, 200))}`;
  return `${shown} is not in ALLOWED_HOSTS`;
}

/** The request line's target in absolute form (`POST http://api.example.com/graphql HTTP/1.1`): its authority. */
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i;

/**
 * Why this request is refused, or undefined when its host is allowed. The host is the one HTTP says the
 * server must use (RFC 9112, 3.2): the authority of a request target in absolute form, which Node leaves in
 * `req.url` while `req.headers.host` keeps the Host header; otherwise the Host header, of which there must be
 * exactly one (Node keeps the first of several; a proxy in front may have routed by the last).
 */
export function requestHostRefusal(
  allowed: AllowedHostsSetting,
  req: { url?: string | undefined; rawHeaders: readonly string[]; headers: { host?: string | undefined } },
): string | undefined {
  if (allowed === '*') return undefined;
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') hosts++;
  if (hosts > 1) return `${hosts} Host headers (one is allowed)`;
  const absolute = ABSOLUTE_FORM.exec(req.url ?? '');
  return hostRefusal(allowed, absolute ? absolute[1] : req.headers.host);
}
