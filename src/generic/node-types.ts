import type { EntityClass } from '@mikro-orm/core';
import type { ContentTypeRegistry } from './content-type.registry.js';
import { fromGlobalId, toGlobalId } from './global-id.js';
import type { RequestLoaders } from './request-loaders.js';

/**
 * The object types reachable by global ID: every registered content type plus
 * the generic entities (Tag, Comment, …). `node(id)` and `nodes(ids)` load
 * through the same per-type loaders as everything else.
 */
export class NodeTypes {
  readonly #byName = new Map<string, EntityClass<any>>();
  readonly #byClass = new Map<Function, string>();

  constructor(private readonly registry: ContentTypeRegistry) {
    for (const type of registry.types()) this.add(type.typeName, type.cls);
  }

  add(typeName: string, cls: EntityClass<any>): this {
    this.#byName.set(typeName, cls);
    this.#byClass.set(cls, typeName);
    return this;
  }

  typeNameOf(obj: object): string {
    const name = this.#byClass.get(obj.constructor);
    if (!name) throw new Error(`${obj.constructor.name} is not a Node type`);
    return name;
  }

  classOf(typeName: string): EntityClass<any> | undefined {
    return this.#byName.get(typeName);
  }

  /** The primary key of a Node object (its `databaseId`). */
  databaseIdOf(obj: object): number {
    const pk = this.registry.find(obj)?.primaryKeyProperty || 'id';
    return (obj as Record<string, number>)[pk];
  }

  globalIdOf(obj: object): string {
    return toGlobalId(this.typeNameOf(obj), this.databaseIdOf(obj));
  }

  /** Loads the object a global ID names; null when malformed, unknown or missing. */
  async load(loaders: RequestLoaders, globalId: string): Promise<object | null> {
    const decoded = fromGlobalId(globalId);
    if (!decoded) return null;
    const cls = this.#byName.get(decoded.typeName);
    if (!cls) return null;
    return loaders.entity(cls).load(decoded.id);
  }
}
