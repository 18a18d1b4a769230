import { Migration } from '@mikro-orm/migrations';

export class Migration20261121131100_initial extends Migration {

  override name = 'Migration20261121131100_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "article" ("id" serial primary key, "title" varchar(200) not null, "body" text not null default '', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`create index "article_created_at_index" on "article" ("created_at", "id");`);

    this.addSql(`create table "book" ("id" serial primary key, "title" varchar(200) not null, "author_name" varchar(200) not null, "isbn" varchar(20) null, "published_year" int null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`create index "book_created_at_index" on "book" ("created_at", "id");`);

    this.addSql(`create table "content_type" ("id" serial primary key, "app_label" varchar(100) not null, "model" varchar(100) not null);`);
    this.addSql(`alter table "content_type" add constraint "content_type_app_label_model_unique" unique ("app_label", "model");`);

    this.addSql(`create table "product" ("id" serial primary key, "name" varchar(200) not null, "sku" varchar(64) not null, "price_cents" int not null default 0, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`alter table "product" add constraint "product_sku_unique" unique ("sku");`);
    this.addSql(`create index "product_created_at_index" on "product" ("created_at", "id");`);

    this.addSql(`create table "tag" ("id" serial primary key, "name" varchar(50) not null, "slug" varchar(60) not null, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "tag" add constraint "tag_slug_unique" unique ("slug");`);
    this.addSql(`create index "tag_created_at_index" on "tag" ("created_at");`);
    this.addSql(`create unique index "tag_name_lower_unique" on "tag" (lower("name"));`);

    this.addSql(`create table "user" ("id" serial primary key, "username" varchar(50) not null, "name" varchar(200) not null, "is_admin" boolean not null default false, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "user" add constraint "user_username_unique" unique ("username");`);

    this.addSql(`create table "tagged_item" ("id" serial primary key, "tag_id" int not null, "content_type_id" int not null, "object_id" bigint not null, "created_at" timestamptz not null default now(), "tagged_by_id" int null);`);
    this.addSql(`create index "tagged_item_target_index" on "tagged_item" ("content_type_id", "object_id", "tag_id");`);
    this.addSql(`alter table "tagged_item" add constraint "tagged_item_tag_target_unique" unique ("tag_id", "content_type_id", "object_id");`);

    this.addSql(`create table "content_link" ("id" serial primary key, "source_type_id" int not null, "source_id" bigint not null, "target_type_id" int not null, "target_id" bigint not null, "kind" varchar(40) not null, "created_by_id" int null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "content_link_target_index" on "content_link" ("target_type_id", "target_id", "created_at", "id");`);
    this.addSql(`create index "content_link_source_index" on "content_link" ("source_type_id", "source_id", "created_at", "id");`);
    this.addSql(`alter table "content_link" add constraint "content_link_unique" unique ("source_type_id", "source_id", "target_type_id", "target_id", "kind");`);

    this.addSql(`create table "comment" ("id" serial primary key, "content_type_id" int not null, "object_id" bigint not null, "author_id" int not null, "body" text not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`create index "comment_author_index" on "comment" ("author_id");`);
    this.addSql(`create index "comment_target_index" on "comment" ("content_type_id", "object_id", "created_at", "id");`);

    this.addSql(`create table "activity_entry" ("id" serial primary key, "actor_id" int null, "verb" varchar(40) not null, "content_type_id" int not null, "object_id" bigint not null, "object_repr" varchar(200) not null, "data" jsonb null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "activity_entry_actor_index" on "activity_entry" ("actor_id", "created_at", "id");`);
    this.addSql(`create index "activity_entry_feed_index" on "activity_entry" ("created_at", "id");`);
    this.addSql(`create index "activity_entry_target_index" on "activity_entry" ("content_type_id", "object_id", "created_at", "id");`);

    this.addSql(`create table "video" ("id" serial primary key, "title" varchar(200) not null, "url" varchar(500) not null, "duration_seconds" int not null default 0, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`create index "video_created_at_index" on "video" ("created_at", "id");`);

    this.addSql(`alter table "tagged_item" add constraint "tagged_item_tag_id_foreign" foreign key ("tag_id") references "tag" ("id") on delete cascade;`);
    this.addSql(`alter table "tagged_item" add constraint "tagged_item_content_type_id_foreign" foreign key ("content_type_id") references "content_type" ("id") on delete cascade;`);
    this.addSql(`alter table "tagged_item" add constraint "tagged_item_tagged_by_id_foreign" foreign key ("tagged_by_id") references "user" ("id") on delete set null;`);

    this.addSql(`alter table "content_link" add constraint "content_link_source_type_id_foreign" foreign key ("source_type_id") references "content_type" ("id") on delete cascade;`);
    this.addSql(`alter table "content_link" add constraint "content_link_target_type_id_foreign" foreign key ("target_type_id") references "content_type" ("id") on delete cascade;`);
    this.addSql(`alter table "content_link" add constraint "content_link_created_by_id_foreign" foreign key ("created_by_id") references "user" ("id") on delete set null;`);

    this.addSql(`alter table "comment" add constraint "comment_content_type_id_foreign" foreign key ("content_type_id") references "content_type" ("id") on delete cascade;`);
    this.addSql(`alter table "comment" add constraint "comment_author_id_foreign" foreign key ("author_id") references "user" ("id") on delete cascade;`);

    this.addSql(`alter table "activity_entry" add constraint "activity_entry_actor_id_foreign" foreign key ("actor_id") references "user" ("id") on delete set null;`);
    this.addSql(`alter table "activity_entry" add constraint "activity_entry_content_type_id_foreign" foreign key ("content_type_id") references "content_type" ("id") on delete cascade;`);
    this.addSql(`create or replace function "cg_gfk_tagged_item"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_gfk_tagged_item" before insert or update on "tagged_item" for each row execute function "cg_gfk_tagged_item"()
declare
  target text;
  exists_ boolean := false;
begin
  if tg_op = 'UPDATE' and new."content_type_id" is not distinct from old."content_type_id"
     and new."object_id" is not distinct from old."object_id" then
    return new;
  end if;
  if new."content_type_id" is null or new."object_id" is null then
    return new;
  end if;
  select app_label || '.' || model into target from content_type where id = new."content_type_id";
  if target = 'accounts.user' then
    perform 1 from "user" where "id" = new."object_id" for key share;
    exists_ := found;
  elsif target = 'blog.article' then
    perform 1 from "article" where "id" = new."object_id" for key share;
    exists_ := found;
  elsif target = 'library.book' then
    perform 1 from "book" where "id" = new."object_id" for key share;
    exists_ := found;
  elsif target = 'media.video' then
    perform 1 from "video" where "id" = new."object_id" for key share;
    exists_ := found;
  elsif target = 'shop.product' then
    perform 1 from "product" where "id" = new."object_id" for key share;
    exists_ := found;
  end if;
  if not exists_ then
    raise exception using
      errcode = 'foreign_key_violation',
      constraint = 'cg_gfk_tagged_item',
      table = 'tagged_item',
      message = format('insert or update on table "%s" violates generic foreign key "%s": %s',
        'tagged_item', 'tagged_item',
        case when target is null then format('content_type_id %s does not exist', new."content_type_id")
             when target in ('accounts.user', 'blog.article', 'library.book', 'media.video', 'shop.product') then format('%s #%s does not exist', target, new."object_id")
             else format('%s cannot be a target of %s', target, 'tagged_item') end);
  end if;
  return new;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_gfk_tagged_item" on "tagged_item"`);
    this.addSql(`create trigger "cg_gfk_tagged_item" before insert or update on "tagged_item" for each row execute function "cg_gfk_tagged_item"()`);
    this.addSql(`create or replace function "cg_gfk_comment"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_gfk_comment" before insert or update on "comment" for each row execute function "cg_gfk_comment"()
declare
  target text;
  exists_ boolean := false;
begin
  if tg_op = 'UPDATE' and new."content_type_id" is not distinct from old."content_type_id"
     and new."object_id" is not distinct from old."object_id" then
    return new;
  end if;
  if new."content_type_id" is null or new."object_id" is null then
    return new;
  end if;
  select app_label || '.' || model into target from content_type where id = new."content_type_id";
  if target = 'accounts.user' then
    perform 1 from "user" where "id" = new."object_id" for key share;
    exists_ := found;
  elsif target = 'blog.article' then
    perform 1 from "article" where "id" = new."object_id" for key share;
    exists_ := found;
  elsif target = 'library.book' then
    perform 1 from "book" where "id" = new."object_id" for key share;
    exists_ := found;
  elsif target = 'media.video' then
    perform 1 from "video" where "id" = new."object_id" for key share;
    exists_ := found;
  elsif target = 'shop.product' then
    perform 1 from "product" where "id" = new."object_id" for key share;
    exists_ := found;
  end if;
  if not exists_ then
    raise exception using
      errcode = 'foreign_key_violation',
      constraint = 'cg_gfk_comment',
      table = 'comment',
      message = format('insert or update on table "%s" violates generic foreign key "%s": %s',
        'comment', 'comment',
        case when target is null then format('content_type_id %s does not exist', new."content_type_id")
             when target in ('accounts.user', 'blog.article', 'library.book', 'media.video', 'shop.product') then format('%s #%s does not exist', target, new."object_id")
             else format('%s cannot be a target of %s', target, 'comment') end);
  end if;
  return new;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_gfk_comment" on "comment"`);
    this.addSql(`create trigger "cg_gfk_comment" before insert or update on "comment" for each row execute function "cg_gfk_comment"()`);
    this.addSql(`create or replace function "cg_gfk_activity_entry"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_gfk_activity_entry" before insert or update on "activity_entry" for each row execute function "cg_gfk_activity_entry"()
declare
  target text;
  exists_ boolean := false;
begin
  if tg_op = 'UPDATE' and new."content_type_id" is not distinct from old."content_type_id"
     and new."object_id" is not distinct from old."object_id" then
    return new;
  end if;
  if new."content_type_id" is null or new."object_id" is null then
    return new;
  end if;
  select app_label || '.' || model into target from content_type where id = new."content_type_id";
  if target = 'accounts.user' then
    perform 1 from "user" where "id" = new."object_id" for key share;
    exists_ := found;
  elsif target = 'blog.article' then
    perform 1 from "article" where "id" = new."object_id" for key share;
    exists_ := found;
  elsif target = 'library.book' then
    perform 1 from "book" where "id" = new."object_id" for key share;
    exists_ := found;
  elsif target = 'media.video' then
    perform 1 from "video" where "id" = new."object_id" for key share;
    exists_ := found;
  elsif target = 'shop.product' then
    perform 1 from "product" where "id" = new."object_id" for key share;
    exists_ := found;
  end if;
  if not exists_ then
    raise exception using
      errcode = 'foreign_key_violation',
      constraint = 'cg_gfk_activity_entry',
      table = 'activity_entry',
      message = format('insert or update on table "%s" violates generic foreign key "%s": %s',
        'activity_entry', 'activity_entry',
        case when target is null then format('content_type_id %s does not exist', new."content_type_id")
             when target in ('accounts.user', 'blog.article', 'library.book', 'media.video', 'shop.product') then format('%s #%s does not exist', target, new."object_id")
             else format('%s cannot be a target of %s', target, 'activity_entry') end);
  end if;
  return new;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_gfk_activity_entry" on "activity_entry"`);
    this.addSql(`create trigger "cg_gfk_activity_entry" before insert or update on "activity_entry" for each row execute function "cg_gfk_activity_entry"()`);
    this.addSql(`create or replace function "cg_gfk_content_link_source"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_gfk_content_link_source" before insert or update on "content_link" for each row execute function "cg_gfk_content_link_source"()
declare
  target text;
  exists_ boolean := false;
begin
  if tg_op = 'UPDATE' and new."source_type_id" is not distinct from old."source_type_id"
     and new."source_id" is not distinct from old."source_id" then
    return new;
  end if;
  if new."source_type_id" is null or new."source_id" is null then
    return new;
  end if;
  select app_label || '.' || model into target from content_type where id = new."source_type_id";
  if target = 'accounts.user' then
    perform 1 from "user" where "id" = new."source_id" for key share;
    exists_ := found;
  elsif target = 'blog.article' then
    perform 1 from "article" where "id" = new."source_id" for key share;
    exists_ := found;
  elsif target = 'library.book' then
    perform 1 from "book" where "id" = new."source_id" for key share;
    exists_ := found;
  elsif target = 'media.video' then
    perform 1 from "video" where "id" = new."source_id" for key share;
    exists_ := found;
  elsif target = 'shop.product' then
    perform 1 from "product" where "id" = new."source_id" for key share;
    exists_ := found;
  end if;
  if not exists_ then
    raise exception using
      errcode = 'foreign_key_violation',
      constraint = 'cg_gfk_content_link_source',
      table = 'content_link',
      message = format('insert or update on table "%s" violates generic foreign key "%s": %s',
        'content_link', 'content_link_source',
        case when target is null then format('content_type_id %s does not exist', new."source_type_id")
             when target in ('accounts.user', 'blog.article', 'library.book', 'media.video', 'shop.product') then format('%s #%s does not exist', target, new."source_id")
             else format('%s cannot be a target of %s', target, 'content_link_source') end);
  end if;
  return new;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_gfk_content_link_source" on "content_link"`);
    this.addSql(`create trigger "cg_gfk_content_link_source" before insert or update on "content_link" for each row execute function "cg_gfk_content_link_source"()`);
    this.addSql(`create or replace function "cg_gfk_content_link_target"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_gfk_content_link_target" before insert or update on "content_link" for each row execute function "cg_gfk_content_link_target"()
declare
  target text;
  exists_ boolean := false;
begin
  if tg_op = 'UPDATE' and new."target_type_id" is not distinct from old."target_type_id"
     and new."target_id" is not distinct from old."target_id" then
    return new;
  end if;
  if new."target_type_id" is null or new."target_id" is null then
    return new;
  end if;
  select app_label || '.' || model into target from content_type where id = new."target_type_id";
  if target = 'accounts.user' then
    perform 1 from "user" where "id" = new."target_id" for key share;
    exists_ := found;
  elsif target = 'blog.article' then
    perform 1 from "article" where "id" = new."target_id" for key share;
    exists_ := found;
  elsif target = 'library.book' then
    perform 1 from "book" where "id" = new."target_id" for key share;
    exists_ := found;
  elsif target = 'media.video' then
    perform 1 from "video" where "id" = new."target_id" for key share;
    exists_ := found;
  elsif target = 'shop.product' then
    perform 1 from "product" where "id" = new."target_id" for key share;
    exists_ := found;
  end if;
  if not exists_ then
    raise exception using
      errcode = 'foreign_key_violation',
      constraint = 'cg_gfk_content_link_target',
      table = 'content_link',
      message = format('insert or update on table "%s" violates generic foreign key "%s": %s',
        'content_link', 'content_link_target',
        case when target is null then format('content_type_id %s does not exist', new."target_type_id")
             when target in ('accounts.user', 'blog.article', 'library.book', 'media.video', 'shop.product') then format('%s #%s does not exist', target, new."target_id")
             else format('%s cannot be a target of %s', target, 'content_link_target') end);
  end if;
  return new;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_gfk_content_link_target" on "content_link"`);
    this.addSql(`create trigger "cg_gfk_content_link_target" before insert or update on "content_link" for each row execute function "cg_gfk_content_link_target"()`);
    this.addSql(`create or replace function "cg_delete_user"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_delete" after delete on "user" referencing old table as cg_old for each statement execute function "cg_delete_user"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'accounts' and model = 'user';
  if ct is null then
    return null;
  end if;
  -- tagged_item: cascade
  delete from "tagged_item" g using cg_old o where g."content_type_id" = ct and g."object_id" = o."id";
  -- comment: cascade
  delete from "comment" g using cg_old o where g."content_type_id" = ct and g."object_id" = o."id";
  -- activity_entry: keep (rows stay; their target reads as null)
  -- content_link_source: cascade
  delete from "content_link" g using cg_old o where g."source_type_id" = ct and g."source_id" = o."id";
  -- content_link_target: cascade
  delete from "content_link" g using cg_old o where g."target_type_id" = ct and g."target_id" = o."id";
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_delete" on "user"`);
    this.addSql(`create trigger "cg_delete" after delete on "user" referencing old table as cg_old for each statement execute function "cg_delete_user"()`);
    this.addSql(`create or replace function "cg_truncate_user"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_truncate" before truncate on "user" for each statement execute function "cg_truncate_user"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'accounts' and model = 'user';
  if ct is null then
    return null;
  end if;
  delete from "tagged_item" where "content_type_id" = ct;
  delete from "comment" where "content_type_id" = ct;
  -- activity_entry: keep
  delete from "content_link" where "source_type_id" = ct;
  delete from "content_link" where "target_type_id" = ct;
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_truncate" on "user"`);
    this.addSql(`create trigger "cg_truncate" before truncate on "user" for each statement execute function "cg_truncate_user"()`);
    this.addSql(`create or replace function "cg_key_update_user"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_key_update" after update of "id" on "user" for each row when (old."id" is distinct from new."id") execute function "cg_key_update_user"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'accounts' and model = 'user';
  if ct is null then
    return null;
  end if;
  if exists (select 1 from "tagged_item" where "content_type_id" = ct and "object_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_tagged_item',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'user', old."id", 'tagged_item', 'tagged_item');
  end if;
  if exists (select 1 from "comment" where "content_type_id" = ct and "object_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_comment',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'user', old."id", 'comment', 'comment');
  end if;
  if exists (select 1 from "content_link" where "source_type_id" = ct and "source_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_content_link_source',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'user', old."id", 'content_link_source', 'content_link');
  end if;
  if exists (select 1 from "content_link" where "target_type_id" = ct and "target_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_content_link_target',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'user', old."id", 'content_link_target', 'content_link');
  end if;
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_key_update" on "user"`);
    this.addSql(`create trigger "cg_key_update" after update of "id" on "user" for each row when (old."id" is distinct from new."id") execute function "cg_key_update_user"()`);
    this.addSql(`create or replace function "cg_delete_article"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_delete" after delete on "article" referencing old table as cg_old for each statement execute function "cg_delete_article"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'blog' and model = 'article';
  if ct is null then
    return null;
  end if;
  -- tagged_item: cascade
  delete from "tagged_item" g using cg_old o where g."content_type_id" = ct and g."object_id" = o."id";
  -- comment: cascade
  delete from "comment" g using cg_old o where g."content_type_id" = ct and g."object_id" = o."id";
  -- activity_entry: keep (rows stay; their target reads as null)
  -- content_link_source: cascade
  delete from "content_link" g using cg_old o where g."source_type_id" = ct and g."source_id" = o."id";
  -- content_link_target: cascade
  delete from "content_link" g using cg_old o where g."target_type_id" = ct and g."target_id" = o."id";
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_delete" on "article"`);
    this.addSql(`create trigger "cg_delete" after delete on "article" referencing old table as cg_old for each statement execute function "cg_delete_article"()`);
    this.addSql(`create or replace function "cg_truncate_article"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_truncate" before truncate on "article" for each statement execute function "cg_truncate_article"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'blog' and model = 'article';
  if ct is null then
    return null;
  end if;
  delete from "tagged_item" where "content_type_id" = ct;
  delete from "comment" where "content_type_id" = ct;
  -- activity_entry: keep
  delete from "content_link" where "source_type_id" = ct;
  delete from "content_link" where "target_type_id" = ct;
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_truncate" on "article"`);
    this.addSql(`create trigger "cg_truncate" before truncate on "article" for each statement execute function "cg_truncate_article"()`);
    this.addSql(`create or replace function "cg_key_update_article"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_key_update" after update of "id" on "article" for each row when (old."id" is distinct from new."id") execute function "cg_key_update_article"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'blog' and model = 'article';
  if ct is null then
    return null;
  end if;
  if exists (select 1 from "tagged_item" where "content_type_id" = ct and "object_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_tagged_item',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'article', old."id", 'tagged_item', 'tagged_item');
  end if;
  if exists (select 1 from "comment" where "content_type_id" = ct and "object_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_comment',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'article', old."id", 'comment', 'comment');
  end if;
  if exists (select 1 from "content_link" where "source_type_id" = ct and "source_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_content_link_source',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'article', old."id", 'content_link_source', 'content_link');
  end if;
  if exists (select 1 from "content_link" where "target_type_id" = ct and "target_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_content_link_target',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'article', old."id", 'content_link_target', 'content_link');
  end if;
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_key_update" on "article"`);
    this.addSql(`create trigger "cg_key_update" after update of "id" on "article" for each row when (old."id" is distinct from new."id") execute function "cg_key_update_article"()`);
    this.addSql(`create or replace function "cg_delete_book"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_delete" after delete on "book" referencing old table as cg_old for each statement execute function "cg_delete_book"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'library' and model = 'book';
  if ct is null then
    return null;
  end if;
  -- tagged_item: cascade
  delete from "tagged_item" g using cg_old o where g."content_type_id" = ct and g."object_id" = o."id";
  -- comment: cascade
  delete from "comment" g using cg_old o where g."content_type_id" = ct and g."object_id" = o."id";
  -- activity_entry: keep (rows stay; their target reads as null)
  -- content_link_source: cascade
  delete from "content_link" g using cg_old o where g."source_type_id" = ct and g."source_id" = o."id";
  -- content_link_target: cascade
  delete from "content_link" g using cg_old o where g."target_type_id" = ct and g."target_id" = o."id";
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_delete" on "book"`);
    this.addSql(`create trigger "cg_delete" after delete on "book" referencing old table as cg_old for each statement execute function "cg_delete_book"()`);
    this.addSql(`create or replace function "cg_truncate_book"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_truncate" before truncate on "book" for each statement execute function "cg_truncate_book"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'library' and model = 'book';
  if ct is null then
    return null;
  end if;
  delete from "tagged_item" where "content_type_id" = ct;
  delete from "comment" where "content_type_id" = ct;
  -- activity_entry: keep
  delete from "content_link" where "source_type_id" = ct;
  delete from "content_link" where "target_type_id" = ct;
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_truncate" on "book"`);
    this.addSql(`create trigger "cg_truncate" before truncate on "book" for each statement execute function "cg_truncate_book"()`);
    this.addSql(`create or replace function "cg_key_update_book"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_key_update" after update of "id" on "book" for each row when (old."id" is distinct from new."id") execute function "cg_key_update_book"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'library' and model = 'book';
  if ct is null then
    return null;
  end if;
  if exists (select 1 from "tagged_item" where "content_type_id" = ct and "object_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_tagged_item',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'book', old."id", 'tagged_item', 'tagged_item');
  end if;
  if exists (select 1 from "comment" where "content_type_id" = ct and "object_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_comment',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'book', old."id", 'comment', 'comment');
  end if;
  if exists (select 1 from "content_link" where "source_type_id" = ct and "source_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_content_link_source',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'book', old."id", 'content_link_source', 'content_link');
  end if;
  if exists (select 1 from "content_link" where "target_type_id" = ct and "target_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_content_link_target',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'book', old."id", 'content_link_target', 'content_link');
  end if;
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_key_update" on "book"`);
    this.addSql(`create trigger "cg_key_update" after update of "id" on "book" for each row when (old."id" is distinct from new."id") execute function "cg_key_update_book"()`);
    this.addSql(`create or replace function "cg_delete_video"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_delete" after delete on "video" referencing old table as cg_old for each statement execute function "cg_delete_video"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'media' and model = 'video';
  if ct is null then
    return null;
  end if;
  -- tagged_item: cascade
  delete from "tagged_item" g using cg_old o where g."content_type_id" = ct and g."object_id" = o."id";
  -- comment: cascade
  delete from "comment" g using cg_old o where g."content_type_id" = ct and g."object_id" = o."id";
  -- activity_entry: keep (rows stay; their target reads as null)
  -- content_link_source: cascade
  delete from "content_link" g using cg_old o where g."source_type_id" = ct and g."source_id" = o."id";
  -- content_link_target: cascade
  delete from "content_link" g using cg_old o where g."target_type_id" = ct and g."target_id" = o."id";
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_delete" on "video"`);
    this.addSql(`create trigger "cg_delete" after delete on "video" referencing old table as cg_old for each statement execute function "cg_delete_video"()`);
    this.addSql(`create or replace function "cg_truncate_video"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_truncate" before truncate on "video" for each statement execute function "cg_truncate_video"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'media' and model = 'video';
  if ct is null then
    return null;
  end if;
  delete from "tagged_item" where "content_type_id" = ct;
  delete from "comment" where "content_type_id" = ct;
  -- activity_entry: keep
  delete from "content_link" where "source_type_id" = ct;
  delete from "content_link" where "target_type_id" = ct;
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_truncate" on "video"`);
    this.addSql(`create trigger "cg_truncate" before truncate on "video" for each statement execute function "cg_truncate_video"()`);
    this.addSql(`create or replace function "cg_key_update_video"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_key_update" after update of "id" on "video" for each row when (old."id" is distinct from new."id") execute function "cg_key_update_video"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'media' and model = 'video';
  if ct is null then
    return null;
  end if;
  if exists (select 1 from "tagged_item" where "content_type_id" = ct and "object_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_tagged_item',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'video', old."id", 'tagged_item', 'tagged_item');
  end if;
  if exists (select 1 from "comment" where "content_type_id" = ct and "object_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_comment',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'video', old."id", 'comment', 'comment');
  end if;
  if exists (select 1 from "content_link" where "source_type_id" = ct and "source_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_content_link_source',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'video', old."id", 'content_link_source', 'content_link');
  end if;
  if exists (select 1 from "content_link" where "target_type_id" = ct and "target_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_content_link_target',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'video', old."id", 'content_link_target', 'content_link');
  end if;
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_key_update" on "video"`);
    this.addSql(`create trigger "cg_key_update" after update of "id" on "video" for each row when (old."id" is distinct from new."id") execute function "cg_key_update_video"()`);
    this.addSql(`create or replace function "cg_delete_product"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_delete" after delete on "product" referencing old table as cg_old for each statement execute function "cg_delete_product"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'shop' and model = 'product';
  if ct is null then
    return null;
  end if;
  -- tagged_item: cascade
  delete from "tagged_item" g using cg_old o where g."content_type_id" = ct and g."object_id" = o."id";
  -- comment: cascade
  delete from "comment" g using cg_old o where g."content_type_id" = ct and g."object_id" = o."id";
  -- activity_entry: keep (rows stay; their target reads as null)
  -- content_link_source: cascade
  delete from "content_link" g using cg_old o where g."source_type_id" = ct and g."source_id" = o."id";
  -- content_link_target: cascade
  delete from "content_link" g using cg_old o where g."target_type_id" = ct and g."target_id" = o."id";
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_delete" on "product"`);
    this.addSql(`create trigger "cg_delete" after delete on "product" referencing old table as cg_old for each statement execute function "cg_delete_product"()`);
    this.addSql(`create or replace function "cg_truncate_product"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_truncate" before truncate on "product" for each statement execute function "cg_truncate_product"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'shop' and model = 'product';
  if ct is null then
    return null;
  end if;
  delete from "tagged_item" where "content_type_id" = ct;
  delete from "comment" where "content_type_id" = ct;
  -- activity_entry: keep
  delete from "content_link" where "source_type_id" = ct;
  delete from "content_link" where "target_type_id" = ct;
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_truncate" on "product"`);
    this.addSql(`create trigger "cg_truncate" before truncate on "product" for each statement execute function "cg_truncate_product"()`);
    this.addSql(`create or replace function "cg_key_update_product"() returns trigger language plpgsql as \$cg\$
-- generated by contentgraph from the content-type registry; do not edit.
-- create trigger "cg_key_update" after update of "id" on "product" for each row when (old."id" is distinct from new."id") execute function "cg_key_update_product"()
declare
  ct integer;
begin
  select id into ct from content_type where app_label = 'shop' and model = 'product';
  if ct is null then
    return null;
  end if;
  if exists (select 1 from "tagged_item" where "content_type_id" = ct and "object_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_tagged_item',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'product', old."id", 'tagged_item', 'tagged_item');
  end if;
  if exists (select 1 from "comment" where "content_type_id" = ct and "object_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_comment',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'product', old."id", 'comment', 'comment');
  end if;
  if exists (select 1 from "content_link" where "source_type_id" = ct and "source_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_content_link_source',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'product', old."id", 'content_link_source', 'content_link');
  end if;
  if exists (select 1 from "content_link" where "target_type_id" = ct and "target_id" = old."id") then
    raise exception using errcode = 'foreign_key_violation', constraint = 'cg_gfk_content_link_target',
      message = format('update of the primary key of "%s" #%s violates generic foreign key "%s": rows of "%s" still point at it', 'product', old."id", 'content_link_target', 'content_link');
  end if;
  return null;
end;
\$cg\$`);
    this.addSql(`drop trigger if exists "cg_key_update" on "product"`);
    this.addSql(`create trigger "cg_key_update" after update of "id" on "product" for each row when (old."id" is distinct from new."id") execute function "cg_key_update_product"()`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "cg_key_update" on "product"`);
    this.addSql(`drop function if exists "cg_key_update_product"()`);
    this.addSql(`drop trigger if exists "cg_truncate" on "product"`);
    this.addSql(`drop function if exists "cg_truncate_product"()`);
    this.addSql(`drop trigger if exists "cg_delete" on "product"`);
    this.addSql(`drop function if exists "cg_delete_product"()`);
    this.addSql(`drop trigger if exists "cg_key_update" on "video"`);
    this.addSql(`drop function if exists "cg_key_update_video"()`);
    this.addSql(`drop trigger if exists "cg_truncate" on "video"`);
    this.addSql(`drop function if exists "cg_truncate_video"()`);
    this.addSql(`drop trigger if exists "cg_delete" on "video"`);
    this.addSql(`drop function if exists "cg_delete_video"()`);
    this.addSql(`drop trigger if exists "cg_key_update" on "book"`);
    this.addSql(`drop function if exists "cg_key_update_book"()`);
    this.addSql(`drop trigger if exists "cg_truncate" on "book"`);
    this.addSql(`drop function if exists "cg_truncate_book"()`);
    this.addSql(`drop trigger if exists "cg_delete" on "book"`);
    this.addSql(`drop function if exists "cg_delete_book"()`);
    this.addSql(`drop trigger if exists "cg_key_update" on "article"`);
    this.addSql(`drop function if exists "cg_key_update_article"()`);
    this.addSql(`drop trigger if exists "cg_truncate" on "article"`);
    this.addSql(`drop function if exists "cg_truncate_article"()`);
    this.addSql(`drop trigger if exists "cg_delete" on "article"`);
    this.addSql(`drop function if exists "cg_delete_article"()`);
    this.addSql(`drop trigger if exists "cg_key_update" on "user"`);
    this.addSql(`drop function if exists "cg_key_update_user"()`);
    this.addSql(`drop trigger if exists "cg_truncate" on "user"`);
    this.addSql(`drop function if exists "cg_truncate_user"()`);
    this.addSql(`drop trigger if exists "cg_delete" on "user"`);
    this.addSql(`drop function if exists "cg_delete_user"()`);
    this.addSql(`drop trigger if exists "cg_gfk_content_link_target" on "content_link"`);
    this.addSql(`drop function if exists "cg_gfk_content_link_target"()`);
    this.addSql(`drop trigger if exists "cg_gfk_content_link_source" on "content_link"`);
    this.addSql(`drop function if exists "cg_gfk_content_link_source"()`);
    this.addSql(`drop trigger if exists "cg_gfk_activity_entry" on "activity_entry"`);
    this.addSql(`drop function if exists "cg_gfk_activity_entry"()`);
    this.addSql(`drop trigger if exists "cg_gfk_comment" on "comment"`);
    this.addSql(`drop function if exists "cg_gfk_comment"()`);
    this.addSql(`drop trigger if exists "cg_gfk_tagged_item" on "tagged_item"`);
    this.addSql(`drop function if exists "cg_gfk_tagged_item"()`);
    this.addSql(`alter table "tagged_item" drop constraint "tagged_item_content_type_id_foreign";`);
    this.addSql(`alter table "content_link" drop constraint "content_link_source_type_id_foreign";`);
    this.addSql(`alter table "content_link" drop constraint "content_link_target_type_id_foreign";`);
    this.addSql(`alter table "comment" drop constraint "comment_content_type_id_foreign";`);
    this.addSql(`alter table "activity_entry" drop constraint "activity_entry_content_type_id_foreign";`);
    this.addSql(`alter table "tagged_item" drop constraint "tagged_item_tag_id_foreign";`);
    this.addSql(`alter table "tagged_item" drop constraint "tagged_item_tagged_by_id_foreign";`);
    this.addSql(`alter table "content_link" drop constraint "content_link_created_by_id_foreign";`);
    this.addSql(`alter table "comment" drop constraint "comment_author_id_foreign";`);
    this.addSql(`alter table "activity_entry" drop constraint "activity_entry_actor_id_foreign";`);

    this.addSql(`drop table if exists "article" cascade;`);
    this.addSql(`drop table if exists "book" cascade;`);
    this.addSql(`drop table if exists "content_type" cascade;`);
    this.addSql(`drop table if exists "product" cascade;`);
    this.addSql(`drop table if exists "tag" cascade;`);
    this.addSql(`drop table if exists "user" cascade;`);
    this.addSql(`drop table if exists "tagged_item" cascade;`);
    this.addSql(`drop table if exists "content_link" cascade;`);
    this.addSql(`drop table if exists "comment" cascade;`);
    this.addSql(`drop table if exists "activity_entry" cascade;`);
    this.addSql(`drop table if exists "video" cascade;`);
  }

}
