import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/server/config.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { eventually, WsConnection } from './helpers/ws.js';

/**
 * A WebSocket handshake written byte by byte (any Origin and Host, even ones
 * a WebSocket client library would not send); resolves with the status code
 * and the body of the answer (101 and '' when the upgrade was accepted).
 */
function handshake(port: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = Buffer.alloc(0);
    const lines = [
      'GET /graphql HTTP/1.1',
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Protocol: graphql-transport-ws',
      ...Object.entries({ Host: `127.0.0.1:${port}`, ...headers }).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.on('data', (chunk) => {
      answer = Buffer.concat([answer, chunk]);
      const text = answer.toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      if (status === 101) {
        socket.destroy();
        resolve({ status, body: '' });
      }
    });
    socket.on('end', () => {
      const text = answer.toString('utf8');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.on('error', reject);
    socket.write(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8')); // non-ASCII as UTF-8 bytes (obs-text)
  });
}

describe(`WebSocket upgrades and CORS_ORIGINS (${databaseKind})`, () => {
  let t: TestServer;
  let port: number;
  beforeAll(async () => {
    const base = loadConfig({ NODE_ENV: 'test' });
    t = await startTestServer({ corsOrigins: ['https://app.example'], subscriptions: { ...base.subscriptions, maxConnectionsPerAddress: 2 } });
    port = Number(new URL(t.url).port);
  });
  afterAll(() => t?.stop());

  it('accepts a listed origin, the server’s own origin and clients that send no Origin (not browsers)', async () => {
    for (const headers of [{ Origin: 'https://app.example' }, { Origin: `http://127.0.0.1:${port}` }, {}] as Record<string, string>[]) {
      const connection = await WsConnection.open(t.url, { headers });
      connection.send({ type: 'connection_init' });
      await connection.waitFor((m) => m.type === 'connection_ack');
      await connection.close();
    }
    // Host compared case-insensitively, as browsers and proxies may differ in case.
    expect((await handshake(port, { Origin: 'http://LOCALHOST:1', Host: 'localhost:1' })).status).toBe(101);
  });

  it('refuses any other browser origin with 403 and the reason, before any WebSocket exists', async () => {
    const hostile = [
      'https://evil.example',
      'null', // sandboxed iframes, file: pages
      'https://app.example.evil.example',
      'https://evil.example/https://app.example',
      'https://app.example:8443',
      'http://app.example', // the scheme counts
      'https://аpp.example', // Cyrillic а: sent as UTF-8 bytes
      'https://app.example\u200b',
      `https://${'a'.repeat(8000)}.example`,
      'not a url at all',
      '',
    ];
    for (const origin of hostile) {
      const { status, body } = await handshake(port, { Origin: origin });
      expect(status, JSON.stringify(origin.slice(0, 40))).toBe(403);
      expect(body).toContain('WebSocket refused: origin');
      expect(body).toContain('is not in CORS_ORIGINS');
      expect(body.length).toBeLessThan(400); // the origin is quoted, cut at 200 characters
    }
    // An Origin naming this host with another Host header is another site's page.
    expect((await handshake(port, { Origin: `http://127.0.0.1:${port}`, Host: 'api.example' })).status).toBe(403);
    // Through the client library: the handshake fails, no connection is opened.
    await expect(WsConnection.open(t.url, { headers: { Origin: 'https://evil.example' } })).rejects.toThrow(/403/);
  });

  it('refused upgrades hold no connection slot: after 50 of them (concurrently) the address still gets its 2 connections', async () => {
    const refused = await Promise.all(Array.from({ length: 50 }, () => handshake(port, { Origin: 'https://evil.example' })));
    expect(refused.every((r) => r.status === 403)).toBe(true);
    const connections = [await WsConnection.connect(t.url), await WsConnection.connect(t.url)];
    const third = await WsConnection.open(t.url);
    expect((await third.closed).code).toBe(4429);
    await Promise.all(connections.map((c) => c.close()));
  });

  it('a refused upgrade is closed by the server once answered, and a client resetting it first does not crash the process', async () => {
    const connections = () => new Promise<number>((resolve, reject) => t.server.httpServer.getConnections((error, count) => (error ? reject(error) : resolve(count))));
    const request = (path: string) =>
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: https://evil.example\r\n\r\n`;
    // Clients that read the answer and keep their side open (allowHalfOpen): the server must not keep theirs.
    const before = await connections();
    const lingering = await Promise.all(
      ['/graphql', '/graphql', '/elsewhere', '/elsewhere'].map(
        (path) =>
          new Promise<{ socket: net.Socket; answer: string }>((resolve, reject) => {
            const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
            let answer = '';
            socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
            socket.once('end', () => resolve({ socket, answer }));
            socket.on('error', reject);
            socket.write(request(path));
          }),
      ),
    );
    expect(lingering.map((l) => /^HTTP\/1\.1 (\d{3})/.exec(l.answer)?.[1])).toEqual(['403', '403', '404', '404']);
    await eventually(async () => (await connections()) <= before, 10_000, 'the server closing the refused sockets');
    for (const { socket } of lingering) socket.destroy();
    // Clients that reset the connection right after the request: the answer's write fails; nothing may be thrown.
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        return new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          socket.write(request(i % 2 ? '/graphql' : '/elsewhere'), () => socket.resetAndDestroy());
        });
      }),
    );
    expect((await handshake(port, { Origin: 'https://evil.example' })).status).toBe(403);
    const connection = await WsConnection.connect(t.url);
    await connection.close();
  });

  it('CORS_ORIGINS defaults: none in production (same-origin pages and non-browser clients only), any origin in development', async () => {
    expect(loadConfig({ NODE_ENV: 'production' }).corsOrigins).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'development' }).corsOrigins).toBe('*');
  });
});
