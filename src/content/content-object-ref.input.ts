import { type GraphQLSchema, isInputObjectType } from 'graphql';
import { GraphQLUUID } from 'graphql-scalars';
import { Field, InputType, Int } from 'type-graphql';
import type { ContentTypeRegistry, RegisteredContentType } from '../generic/content-type.registry.js';

const TYPE_NAME = 'ContentObjectRef';

/**
 * `input ContentObjectRef @oneOf { article: Int, book: Int, place: UUID, … }`:
 * a typed reference to a content object that needs no global ID. One field
 * per registered content type (the type name with a lowercase first letter),
 * typed like its key (Int for integer keys, UUID for uuid keys), generated
 * from the registry by `defineContentObjectRefFields`, so a new content type
 * gets its field automatically. type-graphql 2.0.0-rc.4 has no `@oneOf`
 * option, so `markOneOfInputs` sets graphql-js's `isOneOf` on the built
 * type: graphql 16.15 then validates "exactly one field, not null" for
 * literals and variables alike, and prints `@oneOf` in the SDL.
 */
@InputType(TYPE_NAME, {
  description:
    'A content object by type and databaseId, as an alternative to a global ID: exactly one field, e.g. `{ article: 1 }` or `{ book: 3 }`.',
})
export class ContentObjectRef {
  [field: string]: number | string | null | undefined;
}

/** The ContentObjectRef field of a content type: `Article` → `article`. */
export function refFieldName(type: Pick<RegisteredContentType, 'typeName'>): string {
  return type.typeName.charAt(0).toLowerCase() + type.typeName.slice(1);
}

const defined = new Set<string>();

/**
 * Declares one field of ContentObjectRef per registered content type.
 * Runs before the schema is built; idempotent (type-graphql metadata is global).
 */
export function defineContentObjectRefFields(registry: ContentTypeRegistry): void {
  for (const type of registry.types()) {
    const field = refFieldName(type);
    if (defined.has(field)) continue;
    defined.add(field);
    Field(() => (type.keyKind === 'uuid' ? GraphQLUUID : Int), { nullable: true, description: `The \`databaseId\` of the ${type.typeName} to refer to.` })(
      ContentObjectRef.prototype,
      field,
    );
  }
}

/** Marks ContentObjectRef as a OneOf input object in a built schema; returns the schema. */
export function markOneOfInputs(schema: GraphQLSchema): GraphQLSchema {
  const type = schema.getType(TYPE_NAME);
  if (isInputObjectType(type)) (type as { isOneOf: boolean }).isOneOf = true;
  return schema;
}
