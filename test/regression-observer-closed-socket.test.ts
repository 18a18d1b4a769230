// @database-independent
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpObserver } from '../src/observability/http.observer.js';
import { captureLogs, observabilityConfig } from './helpers/log-capture.js';

/**
 * Regression: a request answered and then cut off (an oversized body is
 * refused with 413 while the client is still sending) closes with its socket
 * already gone from the request. The observer read `req.socket.remoteAddress`
 * when the response closed and threw from the 'close' event handler: an
 * uncaught exception, which takes the whole server process down.
 */
describe('the request observer on a connection destroyed mid-request', () => {
  const servers: http.Server[] = [];
  afterAll(() => servers.forEach((server) => server.close()));

  it('logs the request with its address and throws nothing', async () => {
    const logs = captureLogs(observabilityConfig({ LOG_LEVEL: 'info' }).log);
    const observer = new HttpObserver({ logger: logs.logger, metrics: undefined, tracing: undefined, slowOperationMs: undefined });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    // Removed whatever happens: the process may run other test files after this one (test/setup/test-projects.ts).
    try {
      const server = http.createServer((req, res) =>
        observer.observe(req, res, async () => {
          res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
          res.end('{"errors":[{"message":"too large","extensions":{"code":"PAYLOAD_TOO_LARGE"}}]}');
          req.socket.destroy(); // what a refused, still-uploading request ends with
        }),
      );
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write('POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 10000000\r\n\r\n{"query":"');
        });
        socket.on('data', () => undefined);
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
    const [line] = logs.withMessage('request completed');
    expect(line).toMatchObject({ status: 413, remoteAddress: '127.0.0.1' });
  });
});
