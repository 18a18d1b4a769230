// @database-independent
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloServer, HeaderMap } from '@apollo/server';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { apolloGatewayPatchApplied } from '../src/server/jit.executor.js';
import { gcPromotion } from './helpers/gc-promotion.js';

/**
 * patches/@apollo+server+5.5.1.patch (patches/README.md): Apollo Server's
 * gateway context keeps its `response.http.status` accessors on a class, so
 * no request outlives itself in the old generation; the executor still sets
 * the HTTP status through it.
 */
describe("Apollo Server's gateway context (patched)", () => {
  it('is applied to both builds of @apollo/server', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../node_modules/@apollo/server');
    for (const flavor of ['esm', 'cjs']) {
      const source = fs.readFileSync(path.join(root, `dist/${flavor}/utils/makeGatewayGraphQLRequestContext.js`), 'utf8');
      expect(source, `dist/${flavor}: run npm install (patch-package applies patches/ after it)`).toContain('class GatewayResponseHttp');
      expect(source).not.toMatch(/get status\(\)\s*\{\s*return newRequestContext/);
    }
    // what the server checks at start-up (it warns without the patch)
    expect(apolloGatewayPatchApplied()).toBe(true);
  });

  it('lets an executor read and set the HTTP status through response.http, with the accessors on the prototype', async () => {
    const seen: { own: boolean; before: number | undefined }[] = [];
    const gateway: GatewayInterface = {
      onSchemaLoadOrUpdate(callback) {
        callback({ apiSchema: buildSchema('type Query { ok: Boolean }'), coreSupergraphSdl: '' });
        return () => {};
      },
      async load() {
        return {
          executor: async (requestContext) => {
            const http = requestContext.response!.http!;
            seen.push({ own: Object.prototype.hasOwnProperty.call(http, 'status'), before: http.status });
            http.status = 203;
            http.headers.set('x-from-executor', 'yes');
            return { data: { ok: http.status === 203 } };
          },
        };
      },
      async stop() {},
    };
    const server = new ApolloServer({ gateway });
    await server.start();
    try {
      const response = await server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body: { query: '{ ok }' } },
        context: async () => ({}),
      });
      expect(response.status).toBe(203);
      expect(response.headers.get('x-from-executor')).toBe('yes');
      expect(response.body.kind === 'complete' && JSON.parse(response.body.string)).toEqual({ data: { ok: true } });
      expect(seen).toEqual([{ own: false, before: undefined }]);
    } finally {
      await server.stop();
    }
  });

  it('lets the young generation collect each request (before the patch every context was promoted)', async () => {
    // 2,000 requests, each with an 80 KB context: measured 169 MB promoted before the patch (85 KB a request), 9 MB after.
    const run = await gcPromotion('apollo-gateway.ts', []);
    expect(run.result).toBe('answered=2000');
    expect(run.scavenges).toBeGreaterThan(100);
    expect(run.promoted / 2000).toBeLessThan(25_000);
  });
});
