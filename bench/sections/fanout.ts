import WebSocket from 'ws';
import type { BenchContext, Section } from '../lib/context.js';
import { processCpuMs } from '../lib/machine.js';
import { type BenchProcess, startContentgraph } from '../lib/processes.js';
import { ms, rate, ratio, report } from '../lib/report.js';
import { articleGlobalId } from '../queries.js';

/** The subscription every subscriber holds: new comments on one article, with their author. */
const SUBSCRIPTION = `subscription($target: ID!) { commentAdded(target: $target) { id body createdAt author { name } } }`;
const ADD_COMMENT = `mutation($target: ID!, $body: String!) { addComment(target: $target, body: $body) { id } }`;

interface FanoutResult {
  subscribers: number;
  events: number;
  deliveries: number;
  expected: number;
  p50: number;
  p99: number;
  max: number;
  mutationP50: number;
  /** Deliveries per second from the first mutation to the last delivery. */
  deliveryRate: number;
  /** CPU of the server's processes (primary and workers) per delivered event, in ms. */
  serverCpuPerDelivery: number;
}

/**
 * Fan-out delivery latency of subscriptions (issue 11): BENCH_SUBSCRIBERS
 * graphql-ws connections (one subscription each, `commentAdded` on one
 * article) to a server with WORKERS=2 on PostgreSQL (one process on PGlite),
 * while this process adds comments through HTTP at a steady
 * BENCH_FANOUT_RATE per second for BENCH_SECONDS. Latency: from sending the
 * mutation to a subscriber receiving its event (so it includes the mutation
 * itself, its commit, NOTIFY, each worker's load of the event and the
 * per-subscriber execution). Baseline: the same with one subscriber. The
 * subscribers live in this bench process, which shares the machine's cores.
 */
export const fanout: Section = {
  name: 'fanout',
  title: 'subscriptions: fan-out delivery latency for many subscribers across 2 workers',
  async run(ctx) {
    const { knobs } = ctx;
    const workers = ctx.db.kind === 'postgresql' ? 2 : 1;
    const server = await startContentgraph(ctx.db.serverEnv, {
      env: {
        WORKERS: String(workers),
        SUBSCRIPTIONS_MAX_CONNECTIONS_PER_ADDRESS: String(knobs.subscribers + 10),
        SUBSCRIPTIONS_MAX_CONNECTIONS: String(knobs.subscribers + 10),
      },
    });
    try {
      report.line(
        `${workers === 2 ? 'WORKERS=2 on PostgreSQL' : 'one process (the embedded PGlite is single-process)'}: ${server.pids().length} processes; ` +
          `${knobs.fanoutRate} comments/s for ${knobs.seconds} s`,
      );
      const results: FanoutResult[] = [];
      for (const subscribers of [1, knobs.subscribers]) {
        report.load();
        results.push(await measure(ctx, server, subscribers));
      }
      report.table(
        ['commentAdded', 'events', 'delivered/expected', 'deliveries/s', 'server CPU ms/delivery', 'p50 ms', 'p99 ms', 'max ms', 'mutation p50 ms', 'p50 vs 1 subscriber', 'p99 vs 1 subscriber'],
        results.map((r) => [
          `${r.subscribers} subscriber${r.subscribers === 1 ? '' : 's'}`,
          r.events,
          `${r.deliveries}/${r.expected}`,
          rate(r.deliveryRate),
          ms(r.serverCpuPerDelivery),
          ms(r.p50),
          ms(r.p99),
          ms(r.max),
          ms(r.mutationP50),
          ratio(r.p50 / results[0].p50),
          ratio(r.p99 / results[0].p99),
        ]),
      );
      report.load();
    } finally {
      await server.stop();
    }
  },
};

async function measure(ctx: BenchContext, server: BenchProcess, subscribers: number): Promise<FanoutResult> {
  const url = server.url;
  const target = articleGlobalId(1);
  const wsUrl = url.replace(/^http/, 'ws');
  const sent = new Map<number, number>();
  const latencies: number[] = [];
  const heard = new Set<number>(); // subscribers that heard a warm-up event
  const sockets: WebSocket[] = [];
  let measuring = false;
  let deliveries = 0;
  let lastDeliveryAt = 0;
  const open = (index: number) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
      ws.once('error', reject);
      ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; payload?: any };
        if (message.type === 'connection_ack') {
          ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { target } } }));
          resolve(ws);
        } else if (message.type === 'ping') {
          ws.send(JSON.stringify({ type: 'pong' }));
        } else if (message.type === 'next') {
          const body = String(message.payload?.data?.commentAdded?.body ?? '');
          const seq = /^fanout (\d+)$/.exec(body)?.[1];
          if (seq === undefined) {
            heard.add(index);
            return;
          }
          const at = sent.get(Number(seq));
          if (measuring && at !== undefined) {
            lastDeliveryAt = performance.now();
            latencies.push(lastDeliveryAt - at);
            deliveries++;
          }
        } else if (message.type === 'error') {
          reject(new Error(`subscription refused: ${JSON.stringify(message.payload)}`));
        }
      });
    });
  const mutate = async (body: string) => {
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
      body: JSON.stringify({ query: ADD_COMMENT, variables: { target, body } }),
    });
    const result = (await response.json()) as { errors?: unknown[] };
    if (result.errors) throw new Error(`addComment failed: ${JSON.stringify(result.errors)}`);
    return performance.now() - started;
  };
  try {
    // Connect in batches (a thousand handshakes at once would measure the accept queue).
    for (let i = 0; i < subscribers; i += 50) {
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, subscribers - i) }, (_, j) => open(i + j)))));
    }
    // Warm up until every subscriber has heard an event: then all subscriptions are in place.
    for (let i = 0; heard.size < subscribers; i++) {
      if (i > 100) throw new Error(`only ${heard.size} of ${subscribers} subscribers hear events`);
      await mutate(`warm-up ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // A steady stream: one mutation every 1/rate s, whether or not the previous one has answered.
    measuring = true;
    const { fanoutRate, seconds } = ctx.knobs;
    const total = fanoutRate * seconds;
    const mutations: Promise<number>[] = [];
    const serverCpu = () => server.pids().reduce((sum, pid) => sum + processCpuMs(pid), 0);
    const cpuBefore = serverCpu();
    const started = performance.now();
    for (let seq = 0; seq < total; seq++) {
      const due = started + (seq * 1000) / fanoutRate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      sent.set(seq, performance.now());
      mutations.push(mutate(`fanout ${seq}`));
    }
    const mutationTimes = await Promise.all(mutations);
    // Let the last events arrive; what has not come after 10 s without any progress counts as not delivered.
    const expected = total * subscribers;
    let progressAt = performance.now();
    for (let last = deliveries; deliveries < expected && performance.now() - progressAt < 10_000; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (deliveries !== last) [last, progressAt] = [deliveries, performance.now()];
    }
    measuring = false;
    const cpu = serverCpu() - cpuBefore;
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
    mutationTimes.sort((a, b) => a - b);
    return {
      subscribers,
      events: total,
      deliveries,
      expected,
      p50: pct(0.5),
      p99: pct(0.99),
      max: latencies[latencies.length - 1] ?? NaN,
      mutationP50: mutationTimes[Math.floor(mutationTimes.length / 2)],
      deliveryRate: deliveries / ((lastDeliveryAt - started) / 1000),
      serverCpuPerDelivery: cpu / deliveries,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}
