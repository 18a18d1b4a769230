import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/server/config.js';
import { hostName, hostRefusal, parseAllowedHosts } from '../src/server/pipeline/allowed-hosts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** One raw HTTP/1.1 request (any Host header, or none), answered on a connection of its own. */
function request(port: number, lines: string[], body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      answer += chunk;
      // A WebSocket upgrade that was accepted stays open: enough to know.
      if (/^HTTP\/1\.1 101 /.test(answer)) socket.destroy();
    });
    socket.on('close', () => {
      const head = answer.slice(0, answer.indexOf('\r\n\r\n'));
      let body = answer.slice(head.length + 4);
      if (/^transfer-encoding: chunked$/im.test(head)) {
        let decoded = '';
        for (let size = parseInt(body, 16); size > 0; size = parseInt(body, 16)) {
          const start = body.indexOf('\r\n') + 2;
          decoded += body.slice(start, start + size);
          body = body.slice(start + size + 2);
        }
        body = decoded;
      }
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]), body });
    });
    socket.on('error', reject);
    socket.write(Buffer.from(`${[...lines, 'Connection: close', ...(body ? [`Content-Length: ${Buffer.byteLength(body)}`] : [])].join('\r\n')}\r\n\r\n${body}`, 'utf8'));
  });
}

const query = JSON.stringify({ query: '{ health { ok } }' });
/** HTTP/1.0 when there is no Host header: Node refuses an HTTP/1.1 request without one itself (an empty 400). */
const post = (port: number, host: string | null) =>
  request(port, [`POST /graphql HTTP/1.${host === null ? 0 : 1}`, ...(host === null ? [] : [`Host: ${host}`]), 'Content-Type: application/json'], query);
const upgrade = (port: number, host: string) =>
  request(port, ['GET /graphql HTTP/1.1', `Host: ${host}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol: graphql-transport-ws']);

describe('ALLOWED_HOSTS: parsing and matching', () => {
  it('takes host names, .domain patterns, IP addresses and *; refuses anything else at start-up', () => {
    expect(parseAllowedHosts(undefined)).toBe('*');
    expect(parseAllowedHosts(' ')).toBe('*');
    expect(parseAllowedHosts('API.example.com, .Corp.example ,127.0.0.1,[::1]')).toEqual(['api.example.com', '.corp.example', '127.0.0.1', '[::1]']);
    expect(parseAllowedHosts('api.example.com,*')).toBe('*');
    for (const bad of ['https://api.example.com', 'api.example.com:443', 'api.example.com/graphql', '*.example.com', 'api example.com', 'аpi.example.com', 'api..example', '-api.example', '[::1', 'a\u200bpi.example']) {
      expect(() => loadConfig({ ALLOWED_HOSTS: bad }), JSON.stringify(bad)).toThrow(/ALLOWED_HOSTS entries are host names/);
    }
  });

  it('compares the Host header’s name without port, case or trailing dot; .domain covers the domain and its subdomains only', () => {
    expect(hostName('API.Example.com.:4000')).toBe('api.example.com');
    expect(hostName('[::1]:4000')).toBe('[::1]');
    for (const bad of ['', ' ', 'api.example.com:', 'api.example.com:port', '[::1', '[::1]x', 'user@api.example.com', 'api.example.com/x', '.example.com', 'а.example.com']) {
      expect(hostName(bad), JSON.stringify(bad)).toBeUndefined();
    }
    const allowed = parseAllowedHosts('api.example.com,.corp.example');
    for (const ok of ['api.example.com', 'api.example.com:8443', 'corp.example', 'x.corp.example', 'a.b.corp.example.']) expect(hostRefusal(allowed, ok), ok).toBeUndefined();
    for (const no of ['example.com', 'evil.example', 'api.example.com.evil.example', 'xcorp.example', 'corp.example.evil', undefined]) {
      expect(hostRefusal(allowed, no), String(no)).toMatch(/is not in ALLOWED_HOSTS$/);
    }
    expect(hostRefusal('*', undefined)).toBeUndefined();
  });
});

describe('ALLOWED_HOSTS: IPv6 literals', () => {
  it('compares IPv6 addresses in the form a browser sends, whichever way they are written, and refuses non-addresses at start-up', () => {
    // A browser sends http://[0:0:0:0:0:0:0:1]/ with `Host: [::1]`, and [::ffff:127.0.0.1] as [::ffff:7f00:1].
    expect(parseAllowedHosts('[0:0:0:0:0:0:0:1],[::FFFF:127.0.0.1]')).toEqual(['[::1]', '[::ffff:7f00:1]']);
    const allowed = parseAllowedHosts('[0:0:0:0:0:0:0:1],[::FFFF:127.0.0.1]');
    for (const ok of ['[::1]', '[::1]:4000', '[0::1]', '[::ffff:7f00:1]:4000', '[::ffff:127.0.0.1]']) expect(hostRefusal(allowed, ok), ok).toBeUndefined();
    for (const no of ['[::2]', '[::ffff:7f00:2]', '[1.2.3.4]', '[:::]']) expect(hostRefusal(allowed, no), no).toMatch(/is not in ALLOWED_HOSTS$/);
    for (const bad of ['[1.2.3.4]', '[:::]', '[1::2::3]', '[12345::1]']) {
      expect(() => parseAllowedHosts(bad), bad).toThrow(/ALLOWED_HOSTS entries are host names/);
    }
  });
});

describe('ALLOWED_HOSTS: fully qualified and internationalised names', () => {
  it('ignores a trailing dot in an entry, as in the Host header, and names the xn-- form of a Unicode name it refuses', () => {
    expect(parseAllowedHosts('api.example.com.,.corp.example.')).toEqual(['api.example.com', '.corp.example']);
    expect(hostRefusal(parseAllowedHosts('api.example.com.'), 'api.example.com')).toBeUndefined();
    for (const bad of ['.', 'api.example.com..']) expect(() => parseAllowedHosts(bad), bad).toThrow(/ALLOWED_HOSTS entries are host names/);
    expect(() => parseAllowedHosts('bücher.example')).toThrow('got "bücher.example" (browsers send that name as xn--bcher-kva.example: list it so)');
    expect(() => parseAllowedHosts('.bücher.example')).toThrow('(browsers send that name as .xn--bcher-kva.example: list it so)');
    expect(hostRefusal(parseAllowedHosts('xn--bcher-kva.example'), 'XN--BCHER-KVA.example:443')).toBeUndefined();
  });
});

describe('ALLOWED_HOSTS: a list of nothing', () => {
  it('refuses start-up for commas only (it would refuse every request), and skips empty entries between names', () => {
    for (const bad of [',', ' , ', ',,']) expect(() => loadConfig({ ALLOWED_HOSTS: bad }), JSON.stringify(bad)).toThrow(/^ALLOWED_HOSTS lists no host/);
    expect(parseAllowedHosts(',,api.example.com,')).toEqual(['api.example.com']);
  });
});

describe('ALLOWED_HOSTS: IPv4 addresses', () => {
  it('reads an IPv4 entry as browsers read the address (they send 127.0.0.1 for http://127.000.000.001/) and refuses a non-address at start-up', () => {
    expect(parseAllowedHosts('127.000.000.001,0x7f.1,2130706433,10.1,api.example.com,.example.com')).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', '10.0.0.1', 'api.example.com', '.example.com']);
    expect(hostRefusal(parseAllowedHosts('127.000.000.001'), '127.0.0.1:4000')).toBeUndefined();
    for (const bad of ['1.2.3.999', '256.0.0.1', 'api.example.0x']) expect(() => parseAllowedHosts(bad), bad).toThrow(`ALLOWED_HOSTS entry "${bad}" is not an IPv4 address`);
  });
});

describe(`ALLOWED_HOSTS in the server (${databaseKind})`, () => {
  let t: TestServer;
  let port: number;
  beforeAll(async () => {
    t = await startTestServer({ allowedHosts: parseAllowedHosts('api.example.com,.corp.example,127.0.0.1') });
    port = Number(new URL(t.url).port);
  });
  afterAll(() => t?.stop());

  it('answers GraphQL requests for its own names and refuses others (DNS rebinding) with 400 BAD_REQUEST naming the host', async () => {
    for (const host of [`127.0.0.1:${port}`, 'api.example.com', 'API.EXAMPLE.COM.', 'corp.example', 'x.corp.example:80']) {
      const answer = await post(port, host);
      expect(answer.status, host).toBe(200);
      expect(JSON.parse(answer.body).data.health.ok).toBe(true);
    }
    for (const host of ['evil.example', 'api.example.com.evil.example', 'xcorp.example', 'аpi.example.com', 'api.example.com:x', `${'a'.repeat(5000)}.example`, null]) {
      const answer = await post(port, host);
      expect(answer.status, String(host).slice(0, 40)).toBe(400);
      const body = JSON.parse(answer.body);
      expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(body.errors[0].message).toMatch(/^Request refused: (host ".*"|no Host header) is not in ALLOWED_HOSTS\.$/);
      expect(body.errors[0].message.length).toBeLessThan(300);
    }
  });

  it('applies to WebSocket upgrades too; probes and /metrics answer any host (orchestrators call them by address)', async () => {
    expect((await upgrade(port, 'api.example.com')).status).toBe(101);
    const refused = await upgrade(port, 'evil.example');
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('WebSocket refused: host "evil.example" is not in ALLOWED_HOSTS');
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      expect((await request(port, [`GET ${path} HTTP/1.1`, `Host: 10.1.2.3:${port}`])).status, path).toBe(200);
    }
  });

  it('takes the host of a request target in absolute form, not the Host header (RFC 9112, 3.2), and refuses several Host headers', async () => {
    const body = (lines: string[]) => request(port, [...lines, 'Content-Type: application/json'], query);
    // Node leaves the target's authority in req.url and the Host header in req.headers.host.
    const evilTarget = await body(['POST http://evil.example/graphql HTTP/1.1', 'Host: api.example.com']);
    expect(evilTarget.status).toBe(400);
    expect(JSON.parse(evilTarget.body).errors[0].message).toBe('Request refused: host "evil.example" is not in ALLOWED_HOSTS.');
    expect((await body(['POST http://api.example.com:4000/graphql HTTP/1.1', 'Host: evil.example'])).status).toBe(200);
    expect((await body(['POST http://user@api.example.com/graphql HTTP/1.1', 'Host: api.example.com'])).status).toBe(400);
    // Node keeps the first of several Host headers; a proxy in front may have routed by the last one.
    for (const hosts of [['api.example.com', 'evil.example'], ['evil.example', 'api.example.com'], ['api.example.com', 'api.example.com']]) {
      const answer = await body(['POST /graphql HTTP/1.1', ...hosts.map((host) => `Host: ${host}`)]);
      expect(answer.status, hosts.join(' ')).toBe(400);
      expect(JSON.parse(answer.body).errors[0]).toMatchObject({ message: 'Request refused: 2 Host headers (one is allowed).', extensions: { code: 'BAD_REQUEST' } });
    }
    const wsHeaders = ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol: graphql-transport-ws'];
    expect((await request(port, ['GET http://evil.example/graphql HTTP/1.1', 'Host: api.example.com', ...wsHeaders])).status).toBe(400);
    expect((await request(port, ['GET /graphql HTTP/1.1', 'Host: api.example.com', 'Host: evil.example', ...wsHeaders])).status).toBe(400);
    expect((await request(port, ['GET http://api.example.com/graphql HTTP/1.1', 'Host: api.example.com', ...wsHeaders])).status).toBe(101);
  });

  it('judges each request of a kept-alive connection by its own Host (coverage, no bug found)', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (host: string) =>
      new Promise<{ status: number; reused: boolean; code?: string }>((resolve, reject) => {
        const req = http.request({ agent, port, host: '127.0.0.1', path: '/graphql', method: 'POST', headers: { host, 'content-type': 'application/json' } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, reused: req.reusedSocket, code: JSON.parse(body).errors?.[0]?.extensions?.code }));
        });
        req.on('error', reject);
        req.end(query);
      });
    try {
      const answers = [];
      for (const host of ['api.example.com', 'evil.example', 'api.example.com', 'evil.example']) answers.push(await send(host));
      expect(answers.map((answer) => answer.status)).toEqual([200, 400, 200, 400]);
      expect(answers.map((answer) => answer.code)).toEqual([undefined, 'BAD_REQUEST', undefined, 'BAD_REQUEST']);
      expect(answers.map((answer) => answer.reused)).toEqual([false, true, true, true]);
    } finally {
      agent.destroy();
    }
  });

  it('is off by default: any host', () => {
    expect(loadConfig({}).allowedHosts).toBe('*');
    expect(loadConfig({ NODE_ENV: 'production' }).allowedHosts).toBe('*');
  });
});
