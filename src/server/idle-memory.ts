import v8 from 'node:v8';
import vm from 'node:vm';

/** V8's `gc()` with the options of its gc extension. */
type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void | Promise<void>;

/** What one release did, for the log and the metrics. */
export interface MemoryRelease {
  rssBeforeBytes: number;
  rssAfterBytes: number;
  durationMs: number;
}

export interface IdleMemoryReleaseOptions {
  /** How long the server must have answered no request before its memory is given back (`IDLE_MEMORY_RELEASE_MS`). */
  idleMs: number;
  /** GraphQL requests started and finished so far (the HTTP front's counters); the difference is in flight. */
  requestsStarted(): number;
  requestsFinished(): number;
  onRelease(release: MemoryRelease): void;
}

/**
 * Gives the memory a burst of requests took back to the system once the
 * process has been idle for `idleMs` (once per quiet spell).
 *
 * Why: under load V8 grows the young generation to 128 MiB and keeps the
 * pages it freed in a pool; its memory reducer would hand them back when the
 * process goes idle, but it judges the allocation rate from the last garbage
 * collections, and an idle server collects nothing, so it keeps waiting
 * ("high alloc") and a worker stays at 350–400 MiB for good
 * (docs/performance.md, goal 4). One full collection with V8's
 * memory-reducing flavour ("last resort": shrink the young generation,
 * compact, release pooled pages) takes 20–70 ms, runs only when no request
 * has started for `idleMs` and none is in flight, and brings the process back
 * near its idle size.
 *
 * `gc` comes from V8's gc extension, enabled for this one function and
 * switched off again (no `--expose-gc` on the command line, no `gc` global).
 */
export class IdleMemoryRelease {
  readonly #timer: NodeJS.Timeout;
  readonly #gc: GcFunction;
  #seen: number;
  /** Requests were served since the last release. */
  #dirty = false;

  private constructor(
    private readonly options: IdleMemoryReleaseOptions,
    gc: GcFunction,
  ) {
    this.#gc = gc;
    this.#seen = this.#activity();
    this.#timer = setInterval(() => this.#tick(), options.idleMs);
    this.#timer.unref();
  }

  /** Starts watching; undefined when `idleMs` is 0 (off) or V8's gc cannot be had. */
  static start(options: IdleMemoryReleaseOptions): IdleMemoryRelease | undefined {
    if (options.idleMs <= 0) return undefined;
    const gc = v8Gc();
    return gc ? new IdleMemoryRelease(options, gc) : undefined;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Changes whenever a request starts or finishes. */
  #activity(): number {
    return this.options.requestsStarted() + this.options.requestsFinished();
  }

  #tick(): void {
    const activity = this.#activity();
    if (activity !== this.#seen) {
      // A request started or finished since the last tick (a long one may have ended a moment ago):
      // not idle yet; release after a whole quiet interval.
      this.#seen = activity;
      this.#dirty = true;
      return;
    }
    if (!this.#dirty || this.options.requestsStarted() > this.options.requestsFinished()) return;
    this.#dirty = false;
    this.releaseNow();
  }

  /** Collects now (the timer calls it; tests too). */
  releaseNow(): MemoryRelease {
    const rssBeforeBytes = process.memoryUsage.rss();
    const begin = performance.now();
    void this.#gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    const release = { rssBeforeBytes, rssAfterBytes: process.memoryUsage.rss(), durationMs: performance.now() - begin };
    this.options.onRelease(release);
    return release;
  }
}

let cached: GcFunction | null | undefined;

/** V8's gc function, or null where the flag cannot be set. */
function v8Gc(): GcFunction | undefined {
  if (cached === undefined) {
    const global = (globalThis as { gc?: GcFunction }).gc;
    if (typeof global === 'function') cached = global;
    else {
      try {
        v8.setFlagsFromString('--expose-gc');
        const gc: unknown = vm.runInNewContext('gc');
        cached = typeof gc === 'function' ? (gc as GcFunction) : null;
      } catch {
        cached = null;
      } finally {
        v8.setFlagsFromString('--no-expose-gc');
      }
    }
  }
  return cached ?? undefined;
}
