// @database-independent
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorsPolicy } from '../src/server/pipeline/cors.js';

/**
 * Found by the hostile review: a browser app on an allowed origin could not
 * read the `X-Request-Id` of a response (it was not in
 * Access-Control-Expose-Headers), so it could not quote the id of a failed
 * request to whoever reads the server's logs (docs/operations.md).
 */
describe('CORS exposes the request id', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    const cors = new CorsPolicy(['https://app.example']);
    server = http.createServer((req, res) => {
      if (req.method === 'OPTIONS') return cors.preflight(req, res);
      cors.decorate(req, res);
      res.setHeader('x-request-id', 'id-1');
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('lists x-request-id in Access-Control-Expose-Headers for an allowed origin, and nothing for another', async () => {
    const allowed = await fetch(url, { method: 'POST', headers: { origin: 'https://app.example' } });
    const exposed = (allowed.headers.get('access-control-expose-headers') ?? '').split(',').map((name) => name.trim());
    expect(exposed).toContain('x-request-id');
    expect(exposed).toContain('retry-after');
    const refused = await fetch(url, { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(refused.headers.get('access-control-expose-headers')).toBeNull();
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});
