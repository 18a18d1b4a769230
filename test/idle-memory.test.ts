import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/server/config.js';
import { IdleMemoryRelease, type MemoryRelease } from '../src/server/idle-memory.js';
import { databaseKind } from './helpers/database.js';
import { observabilityConfig } from './helpers/log-capture.js';
import { parsePrometheusText } from './helpers/prometheus-text.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('IdleMemoryRelease: when it collects', () => {
  afterEach(() => vi.useRealTimers());

  function watch(idleMs: number) {
    vi.useFakeTimers();
    const counters = { started: 0, finished: 0 };
    const releases: MemoryRelease[] = [];
    const release = IdleMemoryRelease.start({
      idleMs,
      requestsStarted: () => counters.started,
      requestsFinished: () => counters.finished,
      onRelease: (r) => releases.push(r),
    });
    return { counters, releases, release };
  }

  it('collects once per quiet spell after requests, never while a request is in flight, never when nothing was served', () => {
    const { counters, releases, release } = watch(1000);
    expect(release).toBeDefined();
    vi.advanceTimersByTime(10_000);
    expect(releases).toHaveLength(0); // nothing served since start: nothing to give back

    counters.started += 5;
    counters.finished += 5;
    vi.advanceTimersByTime(1000); // sees the requests
    expect(releases).toHaveLength(0);
    vi.advanceTimersByTime(1000); // a quiet tick
    expect(releases).toHaveLength(1);
    expect(releases[0]!.rssBeforeBytes).toBeGreaterThan(0);
    expect(releases[0]!.rssAfterBytes).toBeGreaterThan(0);
    vi.advanceTimersByTime(20_000);
    expect(releases).toHaveLength(1); // once per quiet spell

    // Busy: a request started on every tick keeps it waiting.
    for (let i = 0; i < 10; i++) {
      counters.started++;
      vi.advanceTimersByTime(1000);
    }
    expect(releases).toHaveLength(1);

    // A long request in flight: no new request starts, but it is not idle.
    counters.finished += 10; // the busy ones
    counters.started++;
    vi.advanceTimersByTime(5000);
    expect(releases).toHaveLength(1);
    counters.finished++;
    vi.advanceTimersByTime(1000); // sees it finish
    expect(releases).toHaveLength(1);
    vi.advanceTimersByTime(1000); // a quiet interval
    expect(releases).toHaveLength(2);
    release!.stop();
  });

  it('a long request that ends just before a tick: the release waits a whole quiet interval after it', () => {
    const { counters, releases, release } = watch(1000);
    counters.started++;
    vi.advanceTimersByTime(1000); // sees it start
    vi.advanceTimersByTime(1000); // still in flight
    expect(releases).toHaveLength(0);
    // It ends a moment before the next tick: that tick is not a quiet interval.
    counters.finished++;
    vi.advanceTimersByTime(1000);
    expect(releases).toHaveLength(0);
    vi.advanceTimersByTime(1000);
    expect(releases).toHaveLength(1);
    release!.stop();
  });

  it('is off at 0 and after stop()', () => {
    expect(watch(0).release).toBeUndefined();
    const { counters, releases, release } = watch(1000);
    release!.stop();
    counters.started++;
    vi.advanceTimersByTime(10_000);
    expect(releases).toHaveLength(0);
  });

  it('leaves no gc global behind', () => {
    const { release } = watch(1000);
    release!.releaseNow();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    release!.stop();
  });

  it('IDLE_MEMORY_RELEASE_MS: 10 s by default, 0 turns it off, anything else (or a delay past Node’s timers) is refused at start-up', () => {
    expect(loadConfig({}).idleMemoryReleaseMs).toBe(10_000);
    expect(loadConfig({ IDLE_MEMORY_RELEASE_MS: '0' }).idleMemoryReleaseMs).toBe(0);
    for (const bad of ['-1', '1.5', 'ten', '1e400', '10s', '0x10 ', '\u0661\u0660']) {
      expect(() => loadConfig({ IDLE_MEMORY_RELEASE_MS: bad }), JSON.stringify(bad)).toThrow(/IDLE_MEMORY_RELEASE_MS must be a whole number/);
    }
    // Under a second, a full collection could follow nearly every pause between requests ("10" meant as seconds).
    for (const small of ['1', '10', '999']) {
      expect(() => loadConfig({ IDLE_MEMORY_RELEASE_MS: small }), small).toThrow('IDLE_MEMORY_RELEASE_MS must be 0 (off) or at least 1000 milliseconds');
    }
    expect(loadConfig({ IDLE_MEMORY_RELEASE_MS: '1000' }).idleMemoryReleaseMs).toBe(1000);
    // Past Node's longest timer a setInterval fires every millisecond: refused, for every *_MS setting.
    for (const name of ['IDLE_MEMORY_RELEASE_MS', 'REQUEST_TIMEOUT_MS', 'SHUTDOWN_TIMEOUT_MS', 'SUBSCRIPTIONS_INIT_TIMEOUT_MS', 'SUBSCRIPTIONS_KEEPALIVE_MS']) {
      expect(() => loadConfig({ [name]: '2147483648' }), name).toThrow(`${name} must be a whole number of milliseconds from`);
      expect(() => loadConfig({ [name]: '9007199254740993' }), name).toThrow(name);
      expect(() => loadConfig({ [name]: '2147483647' }), name).not.toThrow();
    }
  });
});

describe(`idle memory release in the server (${databaseKind})`, () => {
  let t: TestServer;
  let metricsUrl: string;
  // The counter is the process's (one metrics registry per process), which may have run other test files' servers.
  let before = 0;
  const total = async () => parsePrometheusText(await (await fetch(metricsUrl)).text()).value('idle_memory_releases_total') ?? 0;
  const releases = async () => (await total()) - before;
  const until = async (condition: () => Promise<boolean>) => {
    for (let i = 0; i < 300 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    return condition();
  };
  beforeAll(async () => {
    t = await startTestServer({ idleMemoryReleaseMs: 200, observability: observabilityConfig() });
    metricsUrl = t.url.replace(/\/graphql$/, '/metrics');
    before = await total();
  });
  afterAll(() => t?.stop());

  it('collects after GraphQL requests once the server is idle, counts it in /metrics, and scrapes alone never trigger it', async () => {
    expect(t.server.memory).toBeDefined();
    // Only scrapes and probes since start: no release, however long.
    for (let i = 0; i < 10; i++) {
      await fetch(t.url.replace(/\/graphql$/, '/healthz'));
      expect(await releases()).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (let i = 0; i < 20; i++) expect((await t.gql('{ health { ok } }')).errors).toBeUndefined();
    expect(await until(async () => (await releases()) === 1)).toBe(true);
    const exposition = parsePrometheusText(await (await fetch(metricsUrl)).text());
    expect(exposition.types.get('idle_memory_released_bytes_total')).toBe('counter');
    // Scraping again and again is not activity: still one release.
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await releases()).toBe(1);
    }
    // The server still answers, and another burst gives another release.
    expect((await t.gql('{ health { ok } }')).data.health.ok).toBe(true);
    expect(await until(async () => (await releases()) === 2)).toBe(true);
  });
});

describe(`idle memory release: only GraphQL requests are activity (${databaseKind})`, () => {
  let t: TestServer;
  let base: string;
  // The registry is the process's: the server above counted its releases in it too.
  let before = 0;
  const total = async () => parsePrometheusText(await (await fetch(`${base}/metrics`)).text()).value('idle_memory_releases_total') ?? 0;
  const releases = async () => (await total()) - before;
  beforeAll(async () => {
    t = await startTestServer({ idleMemoryReleaseMs: 100, observability: observabilityConfig() });
    base = t.url.replace(/\/graphql$/, '');
    before = await total();
  });
  afterAll(() => t?.stop());

  it('a load balancer probing `/` (or any path that is not /graphql) never triggers it', async () => {
    for (let round = 0; round < 5; round++) {
      for (const path of ['/', '/favicon.ico', '/healthz/', '/graphqlx']) expect((await fetch(`${base}${path}`)).status).toBe(404);
      // Several quiet ticks (100 ms each) after each round of probes.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await releases()).toBe(0);
    }
    // A GraphQL request is activity: one release follows.
    expect((await t.gql('{ health { ok } }')).errors).toBeUndefined();
    for (let i = 0; i < 300 && (await releases()) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await releases()).toBe(1);
  });
});
