import type { GenericContext } from '../generic/context.js';
import type { RegisteredContentType } from '../generic/content-type.registry.js';
import { BadUserInputError } from '../generic/errors.js';
import { fromGlobalId } from '../generic/global-id.js';
import { keyKindDescription, keyText, type ObjectKey, parseKey } from '../generic/object-key.js';

/** A generic foreign key value: which content type, which object (its key's canonical text, as `object_id` holds it). */
export interface TargetKey {
  contentTypeId: number;
  objectId: string;
}

/** DataLoader cache key of a target (`ctId:objectId`). */
export const targetCacheKey = (key: TargetKey) => `${key.contentTypeId}:${key.objectId}`;

/** The `(content type, object id)` of a loaded content object; throws for a non-content object (a bug). */
export function targetKeyOf(ctx: Pick<GenericContext, 'registry'>, obj: object): TargetKey {
  const { type, text } = ctx.registry.keyOf(obj);
  return { contentTypeId: ctx.registry.idOf(type.cls), objectId: text };
}

/**
 * Reads a global ID argument that must name a content object (any registered
 * content type). Throws BAD_USER_INPUT naming the argument when the ID is
 * malformed, of an unknown type or of a node that is not a content object (a
 * Tag, a Comment…); does not check that the object exists.
 */
export function contentTargetArg(
  ctx: Pick<GenericContext, 'registry' | 'nodeTypes'>,
  globalId: string,
  argumentName: string,
): TargetKey & { type: RegisteredContentType; key: ObjectKey } {
  const decoded = fromGlobalId(globalId);
  if (!decoded) {
    throw new BadUserInputError(`\`${argumentName}\` is not a valid global ID (use the \`id\` of a content object, e.g. from \`node\` or a list).`, {
      argumentName,
    });
  }
  const type = ctx.registry.byTypeName(decoded.typeName);
  if (!type) {
    const what = ctx.nodeTypes.classOf(decoded.typeName) ? `a ${decoded.typeName}, which is not a content object` : `an unknown type "${decoded.typeName}"`;
    throw new BadUserInputError(`\`${argumentName}\` is the ID of ${what}; give the ID of one of: ${typeNames(ctx)}.`, { argumentName });
  }
  const key = parseKey(type.keyKind, decoded.key);
  if (key === null) {
    throw new BadUserInputError(`\`${argumentName}\` is not a valid global ID: a ${type.typeName} key is ${keyKindDescription(type.keyKind)}.`, { argumentName });
  }
  return { type, key, contentTypeId: ctx.registry.idOf(type.cls), objectId: keyText(key) };
}

/** The registered content types named by GraphQL type names; BAD_USER_INPUT naming the argument for an unknown name. */
export function contentTypesArg(ctx: Pick<GenericContext, 'registry'>, names: readonly string[], argumentName: string): RegisteredContentType[] {
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

function typeNames(ctx: Pick<GenericContext, 'registry'>): string {
  return ctx.registry
    .types()
    .map((t) => t.typeName)
    .join(', ');
}
