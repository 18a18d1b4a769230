import type { EntityClass } from '@mikro-orm/core';
import type { ContentTypeRegistry } from './content-type.registry.js';
import { BadUserInputError } from './errors.js';
import { fromGlobalId, toGlobalId } from './global-id.js';
import { invariant } from './invariant.js';
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

  /** The GraphQL type name of a Node class or object. */
  typeNameOf(clsOrObj: Function | object): string {
    const cls = typeof clsOrObj === 'function' ? clsOrObj : clsOrObj.constructor;
    const name = this.#byClass.get(cls);
    invariant(name, `${cls.name} is not a Node type`);
    return name;
  }

  /** The primary key property of a Node class or object. */
  primaryKeyPropertyOf(clsOrObj: Function | object): string {
    return this.registry.find(clsOrObj)?.primaryKeyProperty || 'id';
  }

  classOf(typeName: string): EntityClass<any> | undefined {
    return this.#byName.get(typeName);
  }

  /** The primary key of a Node object (its `databaseId`). */
  databaseIdOf(obj: object): number {
    return (obj as Record<string, number>)[this.primaryKeyPropertyOf(obj)];
  }

  /**
   * Reads a global ID argument that must name an object of `cls`; returns
   * its database id without checking that it exists. BAD_USER_INPUT naming
   * `argumentName` for a malformed ID or an ID of another type.
   */
  idArg(cls: EntityClass<any>, globalId: string, argumentName: string): number {
    const typeName = this.typeNameOf(cls);
    const decoded = fromGlobalId(globalId);
    if (!decoded) {
      throw new BadUserInputError(`\`${argumentName}\` is not a valid global ID (of a ${typeName}).`, { argumentName });
    }
    if (decoded.typeName !== typeName) {
      const other = this.#byName.has(decoded.typeName) ? `a ${decoded.typeName}` : `an unknown type "${decoded.typeName}"`;
      throw new BadUserInputError(`\`${argumentName}\` must be the global ID of a ${typeName}, not of ${other}.`, { argumentName });
    }
    return decoded.id;
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
