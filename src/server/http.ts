import http from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { AppContext } from './context.js';
import type { Observability } from '../observability/observability.js';
import { noteHttpErrorCode } from '../observability/request.observation.js';
import { runCountingStatements } from './statement-counter.js';

const MAX_BODY_BYTES = 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The HTTP front of the server: `/graphql` (Apollo Server, including the
 * Sandbox landing page on GET in development) and `/healthz`. With
 * `countStatements`, each request runs in a scope that counts its SQL
 * statements (reported by Apollo's statement-count plugin).
 */
export function createHttpServer(
  getApollo: () => ApolloServer<AppContext>,
  createContext: (headers: { authorization?: string }) => Promise<AppContext>,
  countStatements: boolean,
  observability: Observability,
): http.Server {
  return http.createServer((req, res) => {
    // Observability: request id, span, log line and metrics around the whole request.
    void observability.http.observe(req, res, () => handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof HttpError ? error.message : 'Internal server error';
      if (!(error instanceof HttpError)) observability.log.error({ err: error }, 'unexpected error answering a request');
      noteHttpErrorCode(status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
      if (!res.headersSent) {
        res.writeHead(status, { 'content-type': 'application/json' });
      }
      res.end(JSON.stringify({ errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] }));
    }));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
      return;
    }
    if (observability.handleMetricsRequest(req, res, url.pathname)) return;
    if (url.pathname !== '/graphql' && url.pathname !== '/graphql/') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not found. The GraphQL endpoint is /graphql.\n');
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const body = req.method === 'POST' ? await readJsonBody(req) : undefined;
    const execute = () =>
      getApollo().executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: () => createContext({ authorization: headers.get('authorization') }),
      });
    const response = await (countStatements ? runCountingStatements(execute) : execute());
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
}

async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `Request body is larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (!type.includes('application/json')) return text;
  if (text.trim() === '') throw new HttpError(400, 'Request body is empty; send a JSON object with a `query`.');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON.');
  }
}
