import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import { User } from './user.entity.js';

/**
 * An API token of a user. Only the SHA-256 hash of the token is stored (the
 * token itself is shown once, when it is created); `prefix` keeps its first
 * characters so a person can tell tokens apart in a listing. A token with
 * `revokedAt` set no longer authenticates. Deleted with its user.
 */
@Entity({ tableName: 'api_token' })
export class ApiToken {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: 'api_token_user_index' })
  user!: User;

  /** What the token is for, chosen by its owner ("laptop", "ci", …). */
  @Property({ type: 'string', length: 100 })
  name!: string;

  /** Hex SHA-256 of the whole token. */
  @Property({ type: 'string', length: 64 })
  @Unique({ name: 'api_token_hash_unique' })
  tokenHash!: string;

  /** The first characters of the token, safe to display. */
  @Property({ type: 'string', length: 16 })
  prefix!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  /** Last time the token authenticated a request (kept to the minute). */
  @Property({ type: 'datetime', nullable: true })
  lastUsedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;
}
