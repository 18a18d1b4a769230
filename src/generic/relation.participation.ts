import type { ContentTypeOptions } from './content-type.options.js';

/**
 * Which content types take part in which relation: a type takes part when
 * its own `relations` option lets it (all relations when omitted, only
 * those listed, or all but those in `except`) and the relation's `targets`
 * include it (all types when omitted). Returns the set of types per
 * relation name.
 */
export function participation<T extends { cls: Function; options: ContentTypeOptions }>(
  types: readonly T[],
  relations: readonly { name: string; targets?: () => Function[] }[],
): Map<string, Set<T>> {
  const map = new Map<string, Set<T>>();
  for (const relation of relations) {
    const allowed = relation.targets?.();
    map.set(relation.name, new Set(types.filter((type) => (!allowed || allowed.includes(type.cls)) && declares(type.options, relation.name))));
  }
  return map;
}

function declares(options: ContentTypeOptions, relation: string): boolean {
  const declared = options.relations;
  if (!declared) return true;
  return 'except' in declared ? !declared.except.includes(relation) : (declared as readonly string[]).includes(relation);
}
