import { GraphQLError } from 'graphql';

/**
 * Maps errors raised by PostgreSQL that a client can act on to GraphQL errors
 * with a code. The generic-foreign-key triggers raise `foreign_key_violation`
 * (SQLSTATE 23503) with constraint `cg_gfk_<relation>`: the target is gone.
 * Only those are NOT_FOUND: any other foreign key violation is a bug or a
 * race the write path must prevent (e.g. tags are locked before tagging),
 * not a missing target, and stays masked.
 */
export function toGraphQLError(error: unknown): GraphQLError | undefined {
  const original = unwrap(error);
  const code = original?.code;
  if (code === '23503' && original?.constraint?.startsWith('cg_gfk_')) {
    return new GraphQLError('The target object does not exist (any more).', {
      extensions: { code: 'NOT_FOUND', constraint: original?.constraint },
    });
  }
  return undefined;
}

function unwrap(error: unknown): { code?: string; constraint?: string } | undefined {
  let current: any = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.code === 'string' && /^[0-9A-Z]{5}$/.test(current.code)) return current;
    current = current.originalError ?? current.cause ?? current.previous;
  }
  return undefined;
}
