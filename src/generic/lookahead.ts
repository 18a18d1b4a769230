import {
  type FieldNode,
  getArgumentValues,
  getNamedType,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  isAbstractType,
  isObjectType,
  Kind,
  type NamedTypeNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The argument values of the one `name` field selected on the object the
 * current resolver returns: for a resolver that can read what that field will
 * need in its own statement (`TagResolver.tag` reads a tag and the first page
 * of its items at once). Undefined, and the field loads on its own as usual,
 * whenever the answer would not be certain:
 * - the current field is selected more than once under its response key,
 *   whatever directives drop (graphql-js leaves a dropped selection out of
 *   `fieldNodes`, graphql-jit passes every one and decides later; counting
 *   them all in the operation, both decide alike: `selectedOnce`);
 * - `name` is not selected, or more than once (two aliases, a fragment
 *   repeating it);
 * - a directive sits on `name` or on any fragment under the field, holding
 *   `name` or not (`@include`, `@skip` or any other);
 * - its arguments do not coerce (its own resolver then reports that, as it
 *   would without the look-ahead).
 * Fragments whose type condition the returned type does not satisfy are
 * passed over (they select nothing on it).
 *
 * Only a shortcut may depend on this: what a resolver answers must be the
 * same with and without it.
 */
export function soleSubfieldArguments(info: GraphQLResolveInfo, name: string): Record<string, unknown> | undefined {
  const type = getNamedType(info.returnType);
  if (!isObjectType(type) || !selectedOnce(info)) return undefined;
  const field = type.getFields()[name];
  if (!field) return undefined;
  const found: FieldNode[] = [];
  const spread = new Set<string>();
  let unsure = false;
  const visit = (set: SelectionSetNode | undefined): void => {
    for (const selection of set?.selections ?? []) {
      if (unsure) return;
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== name) continue;
        if (selection.directives?.length) unsure = true;
        else found.push(selection);
      } else if (selection.directives?.length) {
        unsure = true;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(info, type, selection.typeCondition)) visit(selection.selectionSet);
      } else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = info.fragments[selection.name.value];
        if (!fragment) unsure = true;
        else if (applies(info, type, fragment.typeCondition)) visit(fragment.selectionSet);
      }
    }
  };
  visit(info.fieldNodes[0]!.selectionSet);
  if (unsure || found.length !== 1) return undefined;
  try {
    return getArgumentValues(field, found[0]!, info.variableValues);
  } catch {
    return undefined;
  }
}

/** Whether a fragment's type condition holds for objects of `type` (no condition: always). */
function applies(info: GraphQLResolveInfo, type: GraphQLObjectType, condition: NamedTypeNode | undefined): boolean {
  if (!condition) return true;
  const named = info.schema.getType(condition.name.value);
  return named === type || (named !== undefined && isAbstractType(named) && info.schema.isSubType(named, type));
}

/**
 * Whether the operation selects the current field once under its response
 * key, counting the selections directives drop too. For a root field the
 * whole operation is searched (its fragments included); below the root only
 * `fieldNodes` is known, which graphql-js gives without the dropped ones.
 */
function selectedOnce(info: GraphQLResolveInfo): boolean {
  if (info.fieldNodes.length !== 1) return false;
  if (info.path.prev !== undefined) return true;
  const key = info.path.key;
  const spread = new Set<string>();
  let count = 0;
  const visit = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if ((selection.alias ?? selection.name).value === key) count++;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = info.fragments[selection.name.value];
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(info.operation.selectionSet);
  return count === 1;
}
