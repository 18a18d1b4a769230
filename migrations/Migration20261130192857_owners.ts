import { Migration } from '@mikro-orm/migrations';

export class Migration20261130192857_owners extends Migration {

  override name = 'Migration20261130192857_owners';

  override up(): void | Promise<void> {
    this.addSql(`alter table "user" add "owner_id" int null;`);
    this.addSql(`alter table "user" add constraint "user_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete set null;`);
    this.addSql(`create index "user_owner_id_index" on "user" ("owner_id");`);

    this.addSql(`alter table "product" add "owner_id" int null;`);
    this.addSql(`alter table "product" add constraint "product_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete set null;`);
    this.addSql(`create index "product_owner_id_index" on "product" ("owner_id");`);

    this.addSql(`alter table "place" add "owner_id" int null;`);
    this.addSql(`alter table "place" add constraint "place_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete set null;`);
    this.addSql(`create index "place_owner_id_index" on "place" ("owner_id");`);

    this.addSql(`alter table "book" add "owner_id" int null;`);
    this.addSql(`alter table "book" add constraint "book_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete set null;`);
    this.addSql(`create index "book_owner_id_index" on "book" ("owner_id");`);

    this.addSql(`alter table "article" add "owner_id" int null;`);
    this.addSql(`alter table "article" add constraint "article_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete set null;`);
    this.addSql(`create index "article_owner_id_index" on "article" ("owner_id");`);

    this.addSql(`alter table "video" add "owner_id" int null;`);
    this.addSql(`alter table "video" add constraint "video_owner_id_foreign" foreign key ("owner_id") references "user" ("id") on delete set null;`);
    this.addSql(`create index "video_owner_id_index" on "video" ("owner_id");`);

    // Existing rows belong to nobody (owner NULL: only admins may change them, docs/permissions.md),
    // except user accounts, which own themselves as new ones do.
    this.addSql(`update "user" set "owner_id" = "id";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "article" drop constraint "article_owner_id_foreign";`);

    this.addSql(`alter table "book" drop constraint "book_owner_id_foreign";`);

    this.addSql(`alter table "place" drop constraint "place_owner_id_foreign";`);

    this.addSql(`alter table "product" drop constraint "product_owner_id_foreign";`);

    this.addSql(`alter table "user" drop constraint "user_owner_id_foreign";`);

    this.addSql(`alter table "video" drop constraint "video_owner_id_foreign";`);

    this.addSql(`drop index "article_owner_id_index";`);
    this.addSql(`alter table "article" drop column "owner_id";`);

    this.addSql(`drop index "book_owner_id_index";`);
    this.addSql(`alter table "book" drop column "owner_id";`);

    this.addSql(`drop index "place_owner_id_index";`);
    this.addSql(`alter table "place" drop column "owner_id";`);

    this.addSql(`drop index "product_owner_id_index";`);
    this.addSql(`alter table "product" drop column "owner_id";`);

    this.addSql(`drop index "user_owner_id_index";`);
    this.addSql(`alter table "user" drop column "owner_id";`);

    this.addSql(`drop index "video_owner_id_index";`);
    this.addSql(`alter table "video" drop column "owner_id";`);
  }
}
