import DataLoader from 'dataloader';
import type { EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sql';
import type { ContentTypeRegistry } from './content-type.registry.js';
import { createEntityLoader } from './entity.loader.js';
import { keyFromText, type ObjectKey } from './object-key.js';

/**
 * Every DataLoader of one request, created lazily and memoised here; built by
 * the context factory with the request's EntityManager fork, so nothing
 * outlives the request.
 */
export class RequestLoaders {
  readonly #entityLoaders = new Map<Function, DataLoader<ObjectKey, any>>();
  readonly #named = new Map<string, DataLoader<any, any>>();
  #contentObjects: DataLoader<string, object | null> | undefined;

  constructor(
    readonly em: EntityManager,
    readonly registry: ContentTypeRegistry,
  ) {}

  /** The loader of an entity class by primary key (one query per class per batch). */
  entity<T extends object>(cls: EntityClass<T>): DataLoader<ObjectKey, T | null> {
    let loader = this.#entityLoaders.get(cls);
    if (!loader) {
      const pk = this.registry.find(cls)?.primaryKeyProperty || 'id';
      loader = createEntityLoader(this.em, cls, pk);
      this.#entityLoaders.set(cls, loader);
    }
    return loader;
  }

  /**
   * Resolves a generic foreign key `(content_type_id, object_id)` to its
   * content object through the per-type loader; `null` for a missing object
   * or an unknown (stale) content type, like Django's GenericForeignKey.
   */
  async contentObject(contentTypeId: number, objectId: string): Promise<object | null> {
    if (!this.registry.byId(contentTypeId)) return null;
    this.#contentObjects ??= new DataLoader<string, object | null>((keys) => this.#loadContentObjects(keys), { maxBatchSize: 5000 });
    return this.#contentObjects.load(`${contentTypeId}:${objectId}`);
  }

  /**
   * One batch of targets of any types: one query per content type (through
   * the per-type entity loaders, run in parallel), and every key resolves
   * when ALL types are loaded. So the fields selected on the targets (their
   * tags, comment counts, …) are requested in one tick and batch into one
   * query each, whatever the mix of types.
   */
  async #loadContentObjects(keys: readonly string[]): Promise<(object | null | Error)[]> {
    const byType = new Map<number, string[]>();
    for (const key of keys) {
      const at = key.indexOf(':');
      const ct = Number(key.slice(0, at));
      let ids = byType.get(ct);
      if (!ids) byType.set(ct, (ids = []));
      ids.push(key.slice(at + 1));
    }
    const loaded = new Map<string, object | null | Error>();
    await Promise.all(
      [...byType].map(async ([ct, texts]) => {
        const type = this.registry.byId(ct)!;
        const valid = texts.map((text) => [text, keyFromText(type.keyKind, text)] as const).filter(([, key]) => key !== null);
        const results = await this.entity(type.cls).loadMany(valid.map(([, key]) => key!));
        valid.forEach(([text], i) => loaded.set(`${ct}:${text}`, results[i]));
      }),
    );
    return keys.map((key) => loaded.get(key) ?? null);
  }

  /** A memoised loader for a feature (reverse relations, counts); `key` names it. */
  named<K, V, C = K>(key: string, create: () => DataLoader<K, V, C>): DataLoader<K, V, C> {
    let loader = this.#named.get(key);
    if (!loader) {
      loader = create();
      this.#named.set(key, loader);
    }
    return loader as DataLoader<K, V, C>;
  }
}
