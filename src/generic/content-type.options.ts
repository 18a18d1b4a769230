import type { PermissionRules } from './permission-rules.js';

/**
 * What a content type declares about itself, next to its entity (through
 * `@ContentObjectType(options)`, or `registry.register(cls, options)`).
 *
 * The interface is open: another module may add options of its own with a
 * declaration merge, e.g.
 *
 *     declare module '../generic/content-type.options.js' {
 *       interface ContentTypeOptions<T> { permissions?: MyRules<T> }
 *     }
 *
 * and read them back from `RegisteredContentType.options`.
 */
export interface ContentTypeOptions<T = any> {
  /** Application label, e.g. `blog`. Lower-case identifier. */
  appLabel: string;
  /** Model name; defaults to the class name in lower case. */
  model?: string;
  /** GraphQL type name; defaults to the class name. */
  typeName?: string;
  /** GraphQL description of the type. */
  description?: string;
  /** Readable snapshot of an object, kept in `activity_entry.object_repr`. */
  repr?: (object: T) => string;
  /**
   * The generic relations the type takes part in, by relation name (`tags`,
   * `comments`, `activity`, `links`, …): all registered relations when
   * omitted; `{ except: ['tags'] }` leaves some out (like Django's Mineral,
   * which has no GenericRelation). A relation the type does not take part in
   * gives it no interface and no field, and the database refuses its rows.
   */
  relations?: readonly string[] | { except: readonly string[] };
  /** `create<Type>`, `update<Type>` and `delete<Type>` mutations; default true. */
  crud?: boolean;
  /**
   * Who may do what to objects of this type (`'object.delete': ['admin']`,
   * `'tags.add': ['owner', 'admin']`, …); rules left out keep their default.
   * See permission-rules.ts and docs/permissions.md.
   */
  permissions?: PermissionRules;
}

const declared = new WeakMap<Function, ContentTypeOptions>();

/** Records the options a class declares for itself (used by `@ContentObjectType`). */
export function declareContentType<T>(cls: Function, options: ContentTypeOptions<T>): void {
  declared.set(cls, options);
}

/** The options a class declared with `@ContentObjectType`; undefined for any other class. */
export function declaredContentType(cls: Function): ContentTypeOptions | undefined {
  return declared.get(cls);
}
