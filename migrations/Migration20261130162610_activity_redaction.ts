import { Migration } from '@mikro-orm/migrations';

const REDACT = `"data" = case when "data"->'comment' is not null then jsonb_build_object('comment', "data"->'comment') else null end, "redacted_at" = now()`;
const COMMENT_GLOBAL_ID = `rtrim(translate(encode(convert_to('Comment:' || c."id", 'UTF8'), 'base64'), '+/', '-_'), '=')`;
/** The content types when this migration was written: their deleted objects' entries are redacted. */
const CONTENT_TABLES: [string, string, string][] = [
  ['blog', 'article', 'article'],
  ['library', 'book', 'book'],
  ['media', 'video', 'video'],
  ['shop', 'product', 'product'],
  ['accounts', 'user', 'user'],
];

/**
 * Deleted text is gone: `activity_entry.redacted_at`, and the text that
 * earlier versions kept of deleted things is redacted now: excerpts in
 * `comment_deleted` entries, entries quoting comments that no longer exist,
 * and the data of entries about objects that no longer exist.
 */
export class Migration20261130162610_activity_redaction extends Migration {

  override name = 'Migration20261130162610_activity_redaction';

  override up(): void | Promise<void> {
    this.addSql(`alter table "activity_entry" add "redacted_at" timestamptz null;`);
    this.addSql(
      `update "activity_entry" e set ${REDACT} where e."data"->'comment' is not null and (e."verb" = 'comment_deleted' and e."data" - 'comment' <> '{}'::jsonb ` +
        `or e."verb" <> 'comment_deleted' and not exists (select 1 from "comment" c where ${COMMENT_GLOBAL_ID} = e."data"->>'comment'));`,
    );
    for (const [appLabel, model, table] of CONTENT_TABLES) {
      this.addSql(
        `update "activity_entry" e set ${REDACT} from "content_type" ct where ct."id" = e."content_type_id" and ct."app_label" = '${appLabel}' ` +
          `and ct."model" = '${model}' and e."data" is not null and e."redacted_at" is null and not exists (select 1 from "${table}" x where x."id" = e."object_id");`,
      );
    }
  }

  override down(): void | Promise<void> {
    // Redacted text cannot come back.
    this.addSql(`alter table "activity_entry" drop column "redacted_at";`);
  }

}
