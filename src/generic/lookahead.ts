import { type FieldNode, getArgumentValues, getNamedType, type GraphQLResolveInfo, isObjectType, Kind, type SelectionSetNode } from 'graphql';

/**
 * The argument values of the one `name` field selected on the object the
 * current resolver returns: for a resolver that can read what that field will
 * need in its own statement (`TagResolver.tag` reads a tag and the first page
 * of its items at once). Undefined, and the field loads on its own as usual,
 * whenever the answer would not be certain: the field is not selected, is
 * selected more than once (two aliases, the same field in a fragment too),
 * carries a directive or sits in a fragment that does (`@include`, `@skip`
 * or any other), or its arguments do not coerce (the field's own resolver
 * then reports that, as it would without the look-ahead).
 *
 * Only a shortcut may depend on this: what a resolver answers must be the
 * same with and without it.
 */
export function soleSubfieldArguments(info: GraphQLResolveInfo, name: string): Record<string, unknown> | undefined {
  const type = getNamedType(info.returnType);
  if (!isObjectType(type)) return undefined;
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
        visit(selection.selectionSet);
      } else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = info.fragments[selection.name.value];
        if (fragment) visit(fragment.selectionSet);
        else unsure = true;
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  if (unsure || found.length !== 1) return undefined;
  try {
    return getArgumentValues(field, found[0]!, info.variableValues);
  } catch {
    return undefined;
  }
}
