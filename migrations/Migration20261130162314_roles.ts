import { Migration } from '@mikro-orm/migrations';

/** Roles: `user.role` (member, moderator, admin) replaces `user.is_admin`; admins stay admins. */
export class Migration20261130162314_roles extends Migration {

  override name = 'Migration20261130162314_roles';

  override up(): void | Promise<void> {
    this.addSql(`alter table "user" add "role" text not null default 'member';`);
    this.addSql(`alter table "user" add constraint "user_role_check" check ("role" in ('member', 'moderator', 'admin'));`);
    this.addSql(`update "user" set "role" = 'admin' where "is_admin";`);
    this.addSql(`alter table "user" drop column "is_admin";`);
  }

  override down(): void | Promise<void> {
    // Moderators become members: is_admin knows only admins.
    this.addSql(`alter table "user" add "is_admin" bool not null default false;`);
    this.addSql(`update "user" set "is_admin" = ("role" = 'admin');`);
    this.addSql(`alter table "user" drop constraint "user_role_check";`);
    this.addSql(`alter table "user" drop column "role";`);
  }

}
