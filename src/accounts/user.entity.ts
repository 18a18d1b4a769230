import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field } from 'type-graphql';
import { ContentObjectType } from '../content/content-object.type.js';
import { OwnerEntity } from '../content/content-owner.js';
import { Role } from './roles.js';

/** A person who writes comments, tags objects and acts in the activity stream. Also a content type. */
@ContentObjectType({
  appLabel: 'accounts',
  description: 'A user account. Users are content objects too: they can be tagged, commented on and linked.',
  repr: (u: User) => u.name || u.username,
  // Users are created and removed with the CLI (`npm run cli -- users:create`), not through content mutations.
  crud: false,
})
@OwnerEntity()
@Entity({ tableName: 'user' })
export class User {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Field(() => String, { description: 'Unique login name.' })
  @Property({ type: 'string', length: 50 })
  @Unique({ name: 'user_username_unique' })
  username!: string;

  @Field(() => String, { description: 'Display name.' })
  @Property({ type: 'string', length: 200 })
  name!: string;

  /** member, moderator or admin (see roles.ts); exposed as `User.role` to the user and to admins only. */
  @Enum({ items: () => Role, default: Role.MEMBER })
  role: Opt<Role> = Role.MEMBER;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}
