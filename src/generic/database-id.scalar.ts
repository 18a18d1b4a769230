import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { type ObjectKey, parseKey } from './object-key.js';

/**
 * `scalar DatabaseId`: a primary key as the database holds it, an Int for
 * integer keys and a UUID string for uuid keys. Integer keys keep coming out
 * as JSON numbers (as with the former `databaseId: Int!`); a uuid-keyed type
 * gives strings. Generated clients type it `number | string`.
 */
function parseDatabaseId(value: unknown): ObjectKey {
  const key = parseKey('integer', value) ?? parseKey('uuid', value);
  if (key === null) throw new GraphQLError('A DatabaseId is a positive integer or a uuid.');
  return key;
}

export const DatabaseIdScalar = new GraphQLScalarType<ObjectKey, ObjectKey>({
  name: 'DatabaseId',
  description: 'A primary key as the database holds it: an Int for integer keys, a UUID string for uuid keys.',
  serialize(value) {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    if (typeof value === 'string' && parseKey('uuid', value) !== null) return value.toLowerCase();
    throw new GraphQLError(`DatabaseId cannot represent ${JSON.stringify(value)}`);
  },
  parseValue: parseDatabaseId,
  parseLiteral(ast) {
    if (ast.kind === Kind.INT) return parseDatabaseId(Number(ast.value));
    if (ast.kind === Kind.STRING) return parseDatabaseId(ast.value);
    throw new GraphQLError('A DatabaseId is a positive integer or a uuid.');
  },
});
