import { Field, ObjectType } from 'type-graphql';
import type { ClassType } from 'type-graphql';
import { BadUserInputError } from './errors.js';

/** Relay `PageInfo`. */
@ObjectType('PageInfo', { description: 'Relay page information for a connection.' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Always false: connections page forwards only (`first`/`after`).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/**
 * Declares `<Name>Connection` and `<Name>Edge` object types for a node type
 * (an object type class or a union).
 */
export function ConnectionType<T extends object>(name: string, nodeType: () => ClassType<T> | object, description?: string) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => String, { description: 'Opaque cursor; pass it as `after` to continue after this edge.' })
    cursor!: string;

    @Field(nodeType as () => ClassType<T>)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: description ?? `A page of ${name} items (Relay connection, keyset cursors).` })
  class ConnectionTypeClass {
    @Field(() => [EdgeType])
    edges!: Edge<T>[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionTypeClass as ClassType<Connection<T>>;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Validates `first`: default 20, 1..100, else BAD_USER_INPUT naming the argument. */
export function pageSize(first: number | null | undefined, argumentName = 'first'): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`\`${argumentName}\` must be between 0 and ${MAX_PAGE_SIZE} (got ${first}); page through larger results with \`after\`.`, {
      argumentName,
    });
  }
  return first;
}

/**
 * Keyset cursors: an opaque encoding of the sort key values of an edge,
 * prefixed with the list they belong to (`list`: e.g. `activity`,
 * `Article`, `comments:3:42` for the comments of one object). A cursor of
 * another list, or a forged one, makes `decodeCursor` throw BAD_USER_INPUT
 * naming the argument; it returns the values otherwise.
 */
export function encodeCursor(list: string, values: (string | number)[]): string {
  return Buffer.from(JSON.stringify([list, ...values]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined, list: string, arity: number, argumentName = 'after'): (string | number)[] | null {
  if (cursor === null || cursor === undefined) return null;
  let values: unknown;
  try {
    values = cursor.length <= 8000 ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : null;
  } catch {
    values = null;
  }
  if (Array.isArray(values) && typeof values[0] === 'string' && values[0] !== list) {
    throw new BadUserInputError(`\`${argumentName}\` is a cursor of another list; pass a cursor this list returned (or none to start at the beginning).`, { argumentName });
  }
  if (
    Array.isArray(values) &&
    values.length === arity + 1 &&
    values.slice(1).every((v) => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 2000))
  ) {
    return values.slice(1) as (string | number)[];
  }
  throw new BadUserInputError(`\`${argumentName}\` is not a cursor returned by this connection.`, { argumentName });
}

/** Builds a connection from `first + 1` fetched rows. */
export function toConnection<T>(rows: T[], first: number, cursorOf: (row: T) => string): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
