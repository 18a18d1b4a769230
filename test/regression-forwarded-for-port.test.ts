// @database-independent
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAddress } from '../src/server/pipeline/client-key.js';

/**
 * Found by the hostile review: some reverse proxies (Azure Application
 * Gateway, IIS ARR) append the client as `address:port` (`[v6]:port` for IPv6)
 * to X-Forwarded-For. With TRUST_PROXY set, such an entry was not an IP
 * address, so every client behind that proxy was keyed by the proxy's own
 * address: one budget for all of them, which one abusive client could spend
 * for everyone. The port is now dropped; anything else that is not an
 * address still falls back to the peer.
 */
describe('X-Forwarded-For entries with a port', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => res.end(clientAddress(req, 1)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const seen = async (forwarded: string) => (await fetch(url, { headers: { 'x-forwarded-for': forwarded } })).text();

  it('keys the client by its address without the port the proxy added', async () => {
    expect(await seen('198.51.100.7:51234')).toBe('198.51.100.7');
    expect(await seen('10.0.0.1, 203.0.113.9:443')).toBe('203.0.113.9');
    expect(await seen('[2001:db8::1]:8080')).toBe('2001:db8::1');
    expect(await seen('2001:db8::2')).toBe('2001:db8::2');
    expect(await seen('203.0.113.10')).toBe('203.0.113.10');
    // Not an address: the peer, as before.
    for (const junk of ['unknown', '198.51.100.7:99999', '198.51.100.7:', '[2001:db8::1]', 'evil.example:80', '1.2.3.4:80:80']) {
      expect(await seen(junk)).toBe('127.0.0.1');
    }
  });
});
