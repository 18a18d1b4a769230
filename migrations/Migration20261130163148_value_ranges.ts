import { Migration } from '@mikro-orm/migrations';

/**
 * Declared value ranges (`@Range`) enforced by the database. Rows outside
 * them, which earlier versions accepted, are brought inside first: an
 * implausible publication year becomes unknown (null), a negative price or
 * duration 0.
 */
export class Migration20261130163148_value_ranges extends Migration {

  override name = 'Migration20261130163148_value_ranges';

  override up(): void | Promise<void> {
    this.addSql(`update "book" set "published_year" = null where "published_year" < 1 or "published_year" > 2100;`);
    this.addSql(`alter table "book" add constraint "book_published_year_check" check (published_year >= 1 and published_year <= 2100);`);
    this.addSql(`update "product" set "price_cents" = 0 where "price_cents" < 0;`);
    this.addSql(`alter table "product" add constraint "product_price_cents_check" check (price_cents >= 0);`);
    this.addSql(`update "video" set "duration_seconds" = 0 where "duration_seconds" < 0;`);
    this.addSql(`alter table "video" add constraint "video_duration_seconds_check" check (duration_seconds >= 0);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "book" drop constraint "book_published_year_check";`);
    this.addSql(`alter table "product" drop constraint "product_price_cents_check";`);
    this.addSql(`alter table "video" drop constraint "video_duration_seconds_check";`);
  }

}
