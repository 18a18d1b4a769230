import type { GenericContext } from '../generic/context.js';
import type { RegisteredContentType } from '../generic/content-type.registry.js';
import { BadUserInputError } from '../generic/errors.js';
import { fromGlobalId } from '../generic/global-id.js';

/** A generic foreign key value: which content type, which object. */
export interface TargetKey {
  contentTypeId: number;
  objectId: number;
}

/** DataLoader cache key of a target (`ctId:objectId`). */
export const targetCacheKey = (key: TargetKey) => `${key.contentTypeId}:${key.objectId}`;

/** The `(content type, object id)` of a loaded content object; throws for a non-content object (a bug). */
export function targetKeyOf(ctx: GenericContext, obj: object): TargetKey {
  const type = ctx.registry.get(obj);
  return { contentTypeId: ctx.registry.idOf(type.cls), objectId: Number((obj as Record<string, unknown>)[type.primaryKeyProperty]) };
}

/**
 * Reads a global ID argument that must name a content object (any registered
 * content type). Throws BAD_USER_INPUT naming the argument when the ID is
 * malformed or names another kind of node; does not check that the object
 * exists.
 */
export function contentTargetArg(ctx: GenericContext, globalId: string, argumentName: string): TargetKey & { type: RegisteredContentType } {
  const decoded = fromGlobalId(globalId);
  const type = decoded && ctx.registry.byTypeName(decoded.typeName);
  if (!decoded || !type) {
    throw new BadUserInputError(`\`${argumentName}\` must be the global ID of a content object (${typeNames(ctx)}); got "${String(globalId).slice(0, 100)}".`, {
      argumentName,
    });
  }
  return { type, contentTypeId: ctx.registry.idOf(type.cls), objectId: decoded.id };
}

/** The registered content types named by GraphQL type names; BAD_USER_INPUT naming the argument for an unknown name. */
export function contentTypesArg(ctx: GenericContext, names: readonly string[], argumentName: string): RegisteredContentType[] {
  return [...new Set(names)].map((name) => {
    const type = ctx.registry.byTypeName(name);
    if (!type) {
      throw new BadUserInputError(`\`${argumentName}\` holds "${name.slice(0, 100)}", which is not a content type; use one of ${typeNames(ctx)}.`, {
        argumentName,
      });
    }
    return type;
  });
}

function typeNames(ctx: GenericContext): string {
  return ctx.registry
    .types()
    .map((t) => t.typeName)
    .join(', ');
}
