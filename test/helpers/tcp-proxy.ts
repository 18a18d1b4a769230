import net from 'node:net';

/**
 * A TCP proxy in front of the PostgreSQL server that a test can stall
 * (`pause`: connections stay open, nothing goes through, as with a hung
 * server or a dropped route) and cut (`cut`: every connection is reset and
 * new ones are refused, as with a stopped server), then `resume`.
 */
export class TcpProxy {
  #server = net.createServer((client) => this.#accept(client));
  #pairs = new Set<{ client: net.Socket; upstream: net.Socket; held: [net.Socket, Buffer][] }>();
  #mode: 'open' | 'paused' | 'cut' = 'open';
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as net.AddressInfo).port;
    return this;
  }

  /** `url` with its host and port replaced by the proxy's. */
  proxied(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  pause(): void {
    this.#mode = 'paused';
  }

  cut(): void {
    this.#mode = 'cut';
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.#pairs.clear();
  }

  resume(): void {
    this.#mode = 'open';
    for (const pair of this.#pairs) {
      for (const [socket, chunk] of pair.held.splice(0)) socket.write(chunk);
    }
  }

  get connections(): number {
    return this.#pairs.size;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    if (this.#mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    const pair = { client, upstream, held: [] as [net.Socket, Buffer][] };
    this.#pairs.add(pair);
    const forward = (to: net.Socket) => (chunk: Buffer) => {
      if (this.#mode === 'open' && pair.held.length === 0) to.write(chunk);
      else pair.held.push([to, chunk]);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const close = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  }
}
