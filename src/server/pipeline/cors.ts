import type http from 'node:http';

/** Request headers always allowed cross-origin (Apollo Client, urql, Sandbox); others requested are allowed too. */
const ALLOWED_HEADERS = ['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name', 'apollo-query-plan-experimental'];
/** Response headers a browser app may read (x-request-id: to quote a failed request to whoever reads the logs). */
const EXPOSED_HEADERS = ['retry-after', 'x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-used', 'x-ratelimit-reset', 'x-ratelimit-resource'];
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS for /graphql. `origins` is `*` (any origin; no credentials are
 * involved: the API authenticates with the Authorization header, never with
 * cookies) or a list of exact origins. Requests from other origins get no
 * CORS headers, so browsers keep their responses from the calling page;
 * Apollo Server's CSRF prevention still refuses simple (form-like) requests
 * of any origin.
 */
export class CorsPolicy {
  constructor(private readonly origins: string[] | '*') {}

  allows(origin: string): boolean {
    return this.origins === '*' || this.origins.includes(origin);
  }

  /** Adds the CORS headers of an actual (non-preflight) response. */
  decorate(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.setHeader('vary', 'Origin');
    const origin = req.headers.origin;
    if (!origin || !this.allows(origin)) return;
    res.setHeader('access-control-allow-origin', this.origins === '*' ? '*' : origin);
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS.join(', '));
  }

  /**
   * Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`):
   * 204 with what the browser needs for an allowed origin, 403 without CORS
   * headers (and a message for people reading it with curl) otherwise.
   */
  preflight(req: http.IncomingMessage, res: http.ServerResponse): void {
    const origin = req.headers.origin ?? '';
    const method = String(req.headers['access-control-request-method'] ?? '').toUpperCase();
    const requested = String(req.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean);
    // Tracing and client libraries add headers of their own (traceparent, sentry-trace…): allow any well-formed name.
    const headers = [...new Set([...ALLOWED_HEADERS, ...requested.filter((name) => /^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(name))])];
    res.setHeader('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    if (!this.allows(origin) || !['GET', 'POST'].includes(method)) {
      const reason = !this.allows(origin)
        ? `origin ${JSON.stringify(origin.slice(0, 200))} is not in CORS_ORIGINS`
        : `method ${JSON.stringify(method.slice(0, 20))} is not allowed (GET and POST are)`;
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`CORS preflight refused: ${reason}.\n`);
      return;
    }
    res.writeHead(204, {
      'access-control-allow-origin': this.origins === '*' ? '*' : origin,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': headers.join(', '),
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
    });
    res.end();
  }
}
