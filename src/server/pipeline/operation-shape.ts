import { type DocumentNode, type FragmentDefinitionNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

export interface OperationShape {
  /** Deepest field nesting (`{ a { b } }` is 2); fragments add no level. */
  depth: number;
  /** Aliased fields, fragments expanded. */
  aliases: number;
  /** Fields, fragments expanded (every spread counts its fragment again). */
  fields: number;
}

/**
 * Depth, aliases and fields of one operation with its fragments expanded.
 * Each fragment is measured once and reused, so fragments that spread other
 * fragments several times (whose expansion grows exponentially) cost linear
 * time to measure; the counts themselves grow as the expansion does and are
 * refused by the limits. @skip/@include are ignored: what may run is counted.
 * The subtree of `__schema` / `__type` adds no depth (see below).
 */
export function measureShape(document: DocumentNode, operation: OperationDefinitionNode): OperationShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const measured = new Map<string, OperationShape>();
  const inProgress = new Set<string>();

  const fragmentShape = (name: string): OperationShape => {
    const known = measured.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown or cyclic fragments are refused by validation; count nothing here.
    if (!fragment || inProgress.has(name)) return { depth: 0, aliases: 0, fields: 0 };
    inProgress.add(name);
    const shape = selectionShape(fragment.selectionSet);
    inProgress.delete(name);
    measured.set(name, shape);
    return shape;
  };

  const selectionShape = (selectionSet: SelectionSetNode): OperationShape => {
    const total: OperationShape = { depth: 0, aliases: 0, fields: 0 };
    for (const selection of selectionSet.selections) {
      let inner: OperationShape;
      if (selection.kind === Kind.FIELD) {
        const child = selection.selectionSet ? selectionShape(selection.selectionSet) : { depth: 0, aliases: 0, fields: 0 };
        // Introspection nests `ofType` deeply by design; its recursion is bounded by
        // graphql-js's MaxIntrospectionDepthRule and its size by the cost.
        const introspection = selection.name.value === '__schema' || selection.name.value === '__type';
        inner = { depth: introspection ? 1 : child.depth + 1, aliases: child.aliases + (selection.alias ? 1 : 0), fields: child.fields + 1 };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = selectionShape(selection.selectionSet);
      } else {
        inner = fragmentShape(selection.name.value);
      }
      total.depth = Math.max(total.depth, inner.depth);
      total.aliases += inner.aliases;
      total.fields += inner.fields;
    }
    return total;
  };

  return selectionShape(operation.selectionSet);
}
