import type { PubSub } from 'type-graphql';
import type { EntityClass } from '@mikro-orm/core';
import { AppError } from './errors.js';
import type { GenericContext } from './context.js';
import type { RequestLoaders } from './request-loaders.js';

/**
 * Live events of committed writes, as subscriptions see them. A database
 * trigger announces every new row of a watched table (`activity_entry`,
 * `comment`) with NOTIFY, which PostgreSQL delivers only once the writing
 * transaction commits; each server process LISTENs (src/server/subscriptions)
 * and publishes what it hears into the process's EventHub, under the topic
 * `<source>:<table>`. One ServerEvent is shared by every subscriber of the
 * process: its rows and everything the subscribers' selections load go
 * through one set of request loaders, so an event costs a bounded number of
 * statements however many subscribe.
 */
export class ServerEvent {
  #loaders: RequestLoaders | undefined;

  constructor(
    /** The new row's primary key. */
    readonly id: number | string,
    /** Makes the event's loaders (a fresh EntityManager fork), on first use. */
    private readonly makeLoaders: () => RequestLoaders,
  ) {}

  /** The loaders every subscriber of this event resolves its selection with. */
  get loaders(): RequestLoaders {
    return (this.#loaders ??= this.makeLoaders());
  }

  /** The inserted row (null once deleted again), loaded once for all subscribers. */
  row<T extends object>(cls: EntityClass<T>): Promise<T | null> {
    return this.loaders.entity(cls).load(this.id as number);
  }

  /**
   * Points a subscription's context at this event's EntityManager and
   * loaders: the root field of a subscription calls it before returning the
   * row, so the fields below it batch with every other subscriber's.
   */
  enter(context: GenericContext): void {
    context.em = this.loaders.em;
    context.loaders = this.loaders;
  }
}

/** What subscription resolvers need from their context: the topic of their server. */
export interface EventContext extends GenericContext {
  /** `<source>:` prefix of this server's topics (several servers may share a process, e.g. in tests). */
  eventSource: string;
}

/** The topic of `table`'s inserts for the server whose topics start with `source`. */
export function topicOf(source: string, table: string): string {
  return `${source}:${table}`;
}

/** The topic of `table`'s inserts for the server a subscription runs on. */
export function eventTopic(context: EventContext, table: string): string {
  return topicOf(context.eventSource, table);
}

/** Events a subscriber may fall behind by before it is ended (SUBSCRIPTION_LAGGING). */
const MAX_QUEUED_EVENTS = 1000;

interface Listener {
  push(event: unknown): void;
}

/**
 * type-graphql's PubSub, in memory, for one process: `subscribe` returns an
 * async iterator that receives what is `publish`ed to its topic from then on;
 * its `return()` (graphql-ws calls it on `complete` and on disconnect)
 * removes it at once. A subscriber that does not keep up (more than
 * MAX_QUEUED_EVENTS waiting) is ended with SUBSCRIPTION_LAGGING rather than
 * buffering without bound; it may subscribe again and refetch.
 */
export class EventHub implements PubSub {
  readonly #topics = new Map<string, Set<Listener>>();

  publish(topic: string, ...args: unknown[]): void {
    const listeners = this.#topics.get(topic);
    if (!listeners) return;
    for (const listener of [...listeners]) listener.push(args[0]);
  }

  /** Subscribers of a topic now (for the metrics and the tests). */
  listenerCount(topic: string): number {
    return this.#topics.get(topic)?.size ?? 0;
  }

  subscribe(topic: string): AsyncIterableIterator<unknown> {
    const queue: unknown[] = [];
    let waiting: ((result: IteratorResult<unknown>) => void) | undefined;
    let failed: Error | undefined;
    let done = false;
    const listeners = this.#topics.get(topic) ?? new Set<Listener>();
    this.#topics.set(topic, listeners);
    const remove = () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#topics.get(topic) === listeners) this.#topics.delete(topic);
    };
    const listener: Listener = {
      push(event) {
        if (done) return;
        if (waiting) {
          const resolve = waiting;
          waiting = undefined;
          resolve({ value: event, done: false });
          return;
        }
        if (queue.length >= MAX_QUEUED_EVENTS) {
          failed = new AppError(
            `This subscription fell more than ${MAX_QUEUED_EVENTS} events behind and was ended; subscribe again and refetch what you missed.`,
            'SUBSCRIPTION_LAGGING',
          );
          queue.length = 0;
          remove();
          return;
        }
        queue.push(event);
      },
    };
    listeners.add(listener);
    const finish = (): IteratorResult<unknown> => {
      done = true;
      queue.length = 0;
      remove();
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value: undefined, done: true });
      }
      return { value: undefined, done: true };
    };
    return {
      next: () => {
        if (queue.length) return Promise.resolve({ value: queue.shift(), done: false });
        if (failed) {
          const error = failed;
          finish();
          return Promise.reject(error);
        }
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: () => Promise.resolve(finish()),
      throw: (error: unknown) => {
        finish();
        return Promise.reject(error);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}

/** The process's hub: type-graphql takes one PubSub when the schema is built (once per process). */
export const processEventHub = new EventHub();
