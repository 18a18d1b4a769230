import WebSocket from 'ws';

/** A message of the graphql-ws protocol as the server sent it. */
export interface WsMessage {
  type: string;
  id?: string;
  payload?: any;
}

/**
 * A raw graphql-ws connection (`graphql-transport-ws`), driven message by
 * message, so that tests can send what a well-behaved client never would
 * and see exactly what came back, and when the socket closed with which code.
 */
export class WsConnection {
  readonly messages: WsMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters = new Set<() => void>();
  #closedWith: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.#closedWith = { code, reason: reason.toString() };
        resolve(this.#closedWith);
        for (const waiter of this.#waiters) waiter();
      }),
    );
    ws.on('message', (data) => {
      let message: WsMessage;
      try {
        message = JSON.parse(String(data));
      } catch {
        message = { type: 'unparsable', payload: String(data) };
      }
      if (message.type === 'ping') this.send({ type: 'pong' });
      this.messages.push(message);
      for (const waiter of this.#waiters) waiter();
    });
    ws.on('error', () => undefined);
  }

  /** Opens a socket to the server's /graphql (http URL accepted) with the graphql-ws subprotocol. */
  static async open(url: string, options: { protocol?: string | null; headers?: Record<string, string>; autoPong?: boolean } = {}): Promise<WsConnection> {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), options.protocol === null ? [] : (options.protocol ?? 'graphql-transport-ws'), { headers: options.headers, autoPong: options.autoPong });
    const connection = new WsConnection(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('close', () => resolve()); // closed right after the upgrade (a limit): the caller reads `closed`
    });
    return connection;
  }

  /** Opens, sends `connection_init` with `payload` and waits for the acknowledgement. */
  static async connect(url: string, payload?: Record<string, unknown>, options: { autoPong?: boolean } = {}): Promise<WsConnection> {
    const connection = await WsConnection.open(url, options);
    connection.send({ type: 'connection_init', ...(payload ? { payload } : {}) });
    await connection.waitFor((m) => m.type === 'connection_ack');
    return connection;
  }

  get isClosed(): boolean {
    return this.#closedWith !== undefined;
  }

  send(message: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message));
  }

  subscribe(id: string, query: string, variables?: Record<string, unknown>): void {
    this.send({ id, type: 'subscribe', payload: { query, variables } });
  }

  complete(id: string): void {
    this.send({ id, type: 'complete' });
  }

  /** Messages for subscription `id` so far. */
  of(id: string, type = 'next'): WsMessage[] {
    return this.messages.filter((m) => m.id === id && m.type === type);
  }

  /** Resolves with the first message (from the start) that matches; rejects after `timeoutMs` or when the socket closes first. */
  waitFor(match: (message: WsMessage) => boolean, timeoutMs = 10_000): Promise<WsMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.find(match);
        if (found) {
          done();
          resolve(found);
        } else if (this.#closedWith) {
          done();
          reject(new Error(`socket closed (${this.#closedWith.code} ${this.#closedWith.reason}) before the message; got ${JSON.stringify(this.messages)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for a message; got ${JSON.stringify(this.messages)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Waits for the `count`-th `next` of subscription `id`. */
  async nextOf(id: string, count = 1, timeoutMs = 10_000): Promise<WsMessage[]> {
    await this.waitFor((m) => m.id === id && m.type === 'next' && this.of(id).length >= count, timeoutMs);
    return this.of(id);
  }

  async close(): Promise<void> {
    if (!this.#closedWith) this.ws.close(1000);
    await this.closed;
  }
}

/** Polls `condition` until it holds (or throws after `timeoutMs`). */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
