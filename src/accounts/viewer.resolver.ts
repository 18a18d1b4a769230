import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { AuthContext } from './authentication.js';
import { isAdmin, Role } from './roles.js';
import { User } from './user.entity.js';

/** `viewer`: who the request's API token belongs to; `User.role`, for that user and admins. */
@Resolver(() => User)
export class ViewerResolver {
  @Query(() => User, {
    nullable: true,
    description:
      'The user the request authenticates as (`Authorization: Bearer <token>`); null without a token. ' +
      'UNAUTHENTICATED for a malformed, unknown or revoked token. Handy to check a token in Apollo Sandbox: `{ viewer { username role } }`.',
  })
  viewer(@Ctx() ctx: AuthContext): Promise<User | null> {
    return ctx.auth.user();
  }

  @FieldResolver(() => Role, {
    nullable: true,
    description:
      'What the user may do (MEMBER, MODERATOR, ADMIN; changed with `npm run cli -- users:role`). Shown to the user themself ' +
      '(`viewer { role }`) and to admins; null for everyone else, so that nobody can list who the admins are.',
  })
  async role(@Root() user: User, @Ctx() ctx: AuthContext): Promise<Role | null> {
    const viewer = await ctx.auth.user();
    return viewer && (viewer.id === user.id || isAdmin(viewer)) ? user.role : null;
  }
}
