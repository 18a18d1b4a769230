import { Field, ID, InterfaceType } from 'type-graphql';
import { DatabaseIdScalar } from './database-id.scalar.js';
import type { ObjectKey } from './object-key.js';

/**
 * The Relay `Node` interface. Implementing types are entity classes; the
 * concrete type is resolved from the instance's class, and `id` is resolved
 * by `NodeResolver` as an opaque global ID.
 */
@InterfaceType('Node', {
  description: 'An object with an opaque, globally unique ID, fetchable with `node(id:)`.',
})
export abstract class Node {
  @Field(() => ID, { description: 'Opaque global ID; pass it to `node(id:)`, `nodes(ids:)` or to mutations.' })
  id!: string;

  @Field(() => DatabaseIdScalar, { description: 'The primary key in the database: an Int for integer keys, a UUID string for uuid keys.' })
  databaseId!: ObjectKey;
}
