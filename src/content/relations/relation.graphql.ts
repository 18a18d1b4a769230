import { type ClassType, Field, getMetadataStorage, Int, InterfaceType, ObjectType } from 'type-graphql';
import { type Connection, ConnectionType } from '../../generic/connection.js';
import { invariant } from '../../generic/invariant.js';
import { contentObjectTypeName } from '../content-object.members.js';
import { relationDefinition } from './relation.options.js';

/**
 * The GraphQL types the core derives from relations: each relation's
 * interface, one connection type per entity, the count-by types. Created
 * once per process and memoised (type-graphql's metadata is global).
 */

const interfaces = new Map<Function, Function>();
const connections = new Map<Function, ClassType<Connection<any>>>();
const countTypes = new Map<Function, Function>();

/** The GraphQL object type name of a class (its `@ObjectType`). */
export function graphqlTypeName(cls: Function): string {
  const name = getMetadataStorage().objectTypes.find((t) => t.target === cls)?.name;
  invariant(name, `${cls.name} has no @ObjectType`);
  return name;
}

/** The interface participating types implement for a relation (declared by its entity); undefined when it declares none. */
export function relationInterface(entity: Function): Function | undefined {
  const declared = relationDefinition(entity)?.interface;
  if (!declared) return undefined;
  let iface = interfaces.get(entity);
  if (!iface) {
    const { name, description } = typeof declared === 'string' ? { name: declared, description: undefined } : declared;
    iface = namedClass(name);
    InterfaceType(name, { description, resolveType: contentObjectTypeName })(iface);
    interfaces.set(entity, iface);
  }
  return iface;
}

/** `<Type>Connection` (and `<Type>Edge`) of an entity with an `@ObjectType`, created once. */
export function connectionTypeOf<T extends object>(cls: ClassType<T> | Function): ClassType<Connection<T>> {
  let connection = connections.get(cls);
  if (!connection) {
    const name = graphqlTypeName(cls);
    connection = ConnectionType<object>(name, () => cls as ClassType<T>, `A page of ${name} objects (Relay connection, keyset cursors).`);
    connections.set(cls, connection);
  }
  return connection as ClassType<Connection<T>>;
}

/** `{ <property>: <scalar>!, count: Int! }`: one value of a property and how many rows of a relation have it. */
export function countByTypeOf(entity: Function): Function {
  const countBy = relationDefinition(entity)?.countBy;
  invariant(countBy, `${entity.name} declares no countBy`);
  let type = countTypes.get(entity);
  if (!type) {
    const name = countBy.typeName ?? `${graphqlTypeName(entity)}${countBy.property[0].toUpperCase()}${countBy.property.slice(1)}Count`;
    const field = getMetadataStorage().fields.find((f) => f.target === entity && f.name === countBy.property);
    invariant(field, `${entity.name}.${countBy.property} has no @Field`);
    type = namedClass(name);
    Field(field.getType as () => Function, { description: field.description })(type.prototype, countBy.property);
    Field(() => Int, { description: `How many ${graphqlTypeName(entity)} rows have this ${countBy.property}.` })(type.prototype, 'count');
    ObjectType(name, { description: `How many ${graphqlTypeName(entity)} rows of an object have one ${countBy.property}.` })(type);
    countTypes.set(entity, type);
  }
  return type;
}

/** A class with a given name (GraphQL classes created at run time). */
export function namedClass(name: string): Function {
  const cls = class {};
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}
