import type { EntityClass } from '@mikro-orm/core';
import type { ContentTypeRegistry } from './content-type.registry.js';
import { BadUserInputError } from './errors.js';
import { fromGlobalId, toGlobalId } from './global-id.js';
import { invariant } from './invariant.js';
import { type KeyKind, keyKindDescription, normalizeKey, type ObjectKey, parseKey } from './object-key.js';
import type { RequestLoaders } from './request-loaders.js';

interface NodeType {
  typeName: string;
  cls: EntityClass<any>;
  keyKind: KeyKind;
  primaryKeyProperty: string;
}

/**
 * The object types reachable by global ID: every registered content type
 * (with its key kind) plus other Node entities (Tag, Comment, …, integer
 * keys). `node(id)` and `nodes(ids)` load through the same per-type loaders
 * as everything else. Built after `registry.bind()`.
 */
export class NodeTypes {
  readonly #byName = new Map<string, NodeType>();
  readonly #byClass = new Map<Function, NodeType>();

  constructor(registry: ContentTypeRegistry) {
    for (const type of registry.types()) this.add(type.typeName, type.cls, type.keyKind, type.primaryKeyProperty);
  }

  /** Adds a Node type (idempotent for the same class). */
  add(typeName: string, cls: EntityClass<any>, keyKind: KeyKind = 'integer', primaryKeyProperty = 'id'): this {
    const entry = { typeName, cls, keyKind, primaryKeyProperty };
    this.#byName.set(typeName, entry);
    this.#byClass.set(cls, entry);
    return this;
  }

  #of(clsOrObj: Function | object): NodeType {
    const cls = typeof clsOrObj === 'function' ? clsOrObj : clsOrObj.constructor;
    const entry = this.#byClass.get(cls);
    invariant(entry, `${cls.name} is not a Node type`);
    return entry;
  }

  /** The GraphQL type name of a Node class or object. */
  typeNameOf(clsOrObj: Function | object): string {
    return this.#of(clsOrObj).typeName;
  }

  /** The primary key property of a Node class or object. */
  primaryKeyPropertyOf(clsOrObj: Function | object): string {
    return this.#of(clsOrObj).primaryKeyProperty;
  }

  classOf(typeName: string): EntityClass<any> | undefined {
    return this.#byName.get(typeName)?.cls;
  }

  /** The primary key of a Node object (its `databaseId`): a number or a uuid string. */
  databaseIdOf(obj: object): ObjectKey {
    const entry = this.#of(obj);
    return normalizeKey(entry.keyKind, (obj as Record<string, unknown>)[entry.primaryKeyProperty]);
  }

  /**
   * Reads a global ID argument that must name an object of `cls`; returns
   * its key without checking that it exists. BAD_USER_INPUT naming
   * `argumentName` for a malformed ID or an ID of another type.
   */
  idArg(cls: EntityClass<any>, globalId: string, argumentName: string): ObjectKey {
    const entry = this.#of(cls);
    const decoded = fromGlobalId(globalId);
    if (!decoded) {
      throw new BadUserInputError(`\`${argumentName}\` is not a valid global ID (of a ${entry.typeName}).`, { argumentName });
    }
    if (decoded.typeName !== entry.typeName) {
      const other = this.#byName.has(decoded.typeName) ? `a ${decoded.typeName}` : `an unknown type "${decoded.typeName}"`;
      throw new BadUserInputError(`\`${argumentName}\` must be the global ID of a ${entry.typeName}, not of ${other}.`, { argumentName });
    }
    const key = parseKey(entry.keyKind, decoded.key);
    if (key === null) {
      throw new BadUserInputError(`\`${argumentName}\` is not a valid global ID: a ${entry.typeName} key is ${keyKindDescription(entry.keyKind)}.`, {
        argumentName,
      });
    }
    return key;
  }

  globalIdOf(obj: object): string {
    return toGlobalId(this.typeNameOf(obj), this.databaseIdOf(obj));
  }

  /** Loads the object a global ID names; null when malformed, unknown or missing. */
  async load(loaders: RequestLoaders, globalId: string): Promise<object | null> {
    const decoded = fromGlobalId(globalId);
    const entry = decoded && this.#byName.get(decoded.typeName);
    const key = entry && parseKey(entry.keyKind, decoded.key);
    if (!entry || key === null || key === undefined) return null;
    return loaders.entity(entry.cls).load(key);
  }
}
