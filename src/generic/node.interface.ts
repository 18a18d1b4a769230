import { Field, ID, Int, InterfaceType } from 'type-graphql';

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

  @Field(() => Int, { description: 'The primary key in the database.' })
  databaseId!: number;
}
