import { Ctx, Query, Resolver } from 'type-graphql';
import type { AuthContext } from './authentication.js';
import { User } from './user.entity.js';

/** `viewer`: who the request's API token belongs to. */
@Resolver()
export class ViewerResolver {
  @Query(() => User, {
    nullable: true,
    description:
      'The user the request authenticates as (`Authorization: Bearer <token>`); null without a token. ' +
      'UNAUTHENTICATED for a malformed, unknown or revoked token. Handy to check a token in Apollo Sandbox.',
  })
  viewer(@Ctx() ctx: AuthContext): Promise<User | null> {
    return ctx.auth.user();
  }
}
