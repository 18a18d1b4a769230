import { Migration } from '@mikro-orm/migrations';

/**
 * Live subscriptions (src/server/subscriptions): every new activity entry and
 * every new comment is announced on the `contentgraph_events` channel with
 * `pg_notify`, from an AFTER INSERT trigger, so inside the inserting
 * transaction. PostgreSQL delivers a notification only when that transaction
 * commits (never for a rolled-back one) to every session LISTENing on the
 * database: each server process holds one. The payload carries the table and
 * the id only (well under NOTIFY's 8000-byte limit); subscribers load the row.
 */
export class Migration20261130193000_event_notify extends Migration {

  override name = 'Migration20261130193000_event_notify';

  override up(): void | Promise<void> {
    this.addSql(
      `create function "contentgraph_notify_insert"() returns trigger language plpgsql as $$ begin ` +
        `perform pg_notify('contentgraph_events', json_build_object('t', TG_TABLE_NAME, 'id', NEW."id")::text); return null; end $$;`,
    );
    this.addSql(`create trigger "activity_entry_notify" after insert on "activity_entry" for each row execute function "contentgraph_notify_insert"();`);
    this.addSql(`create trigger "comment_notify" after insert on "comment" for each row execute function "contentgraph_notify_insert"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "comment_notify" on "comment";`);
    this.addSql(`drop trigger if exists "activity_entry_notify" on "activity_entry";`);
    this.addSql(`drop function if exists "contentgraph_notify_insert"();`);
  }
}
