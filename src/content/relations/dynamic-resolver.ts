import { Arg, type ArgOptions, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';

/** A field or mutation the core derives at run time (from a relation's declaration). */
export interface DynamicOperation<C> {
  name: string;
  type: () => unknown;
  description?: string;
  nullable?: boolean;
  args?: { name: string; type: () => unknown; options?: ArgOptions }[];
  resolve: (root: any, args: Record<string, any>, ctx: C) => unknown;
}

/**
 * A type-graphql resolver class built at run time, with the same decorators
 * a hand-written one would carry: field resolvers on `of` (an object or
 * interface type), or root fields (`'query'`, `'mutation'`). The resolver-class
 * factory of type-graphql's resolvers-inheritance example, for fields whose
 * names and arguments come from declarations.
 */
export function dynamicResolver<C>(className: string, target: (() => Function) | 'query' | 'mutation', operations: DynamicOperation<C>[]): Function {
  const of = typeof target === 'function' ? target : undefined;
  const cls = class {};
  Object.defineProperty(cls, 'name', { value: className });
  const proto = cls.prototype as Record<string, unknown>;
  for (const op of operations) {
    const args = op.args ?? [];
    const first = of ? 2 : 1; // (root, ctx, …args) for fields, (ctx, …args) for root fields
    proto[op.name] = function (...values: unknown[]) {
      const root = of ? values[0] : undefined;
      const ctx = values[first - 1] as C;
      return op.resolve(root, Object.fromEntries(args.map((arg, i) => [arg.name, values[first + i]])), ctx);
    };
    if (of) Root()(proto, op.name, 0);
    Ctx()(proto, op.name, first - 1);
    args.forEach((arg, i) => Arg(arg.name, arg.type as never, arg.options ?? {})(proto, op.name, first + i));
    const descriptor = Object.getOwnPropertyDescriptor(proto, op.name)!;
    const options = { name: op.name, description: op.description, nullable: op.nullable };
    (of ? FieldResolver : target === 'query' ? Query : Mutation)(op.type as never, options)(proto, op.name, descriptor);
  }
  Resolver((of ?? undefined) as never)(cls);
  return cls;
}
