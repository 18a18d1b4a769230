import { Migration } from '@mikro-orm/migrations';

export class Migration20261130193154_page_indexes extends Migration {

  override name = 'Migration20261130193154_page_indexes';

  override up(): void | Promise<void> {
    this.addSql(`create index "tagged_item_tag_page_index" on "tagged_item" ("tag_id", "created_at", "id");`);

    this.addSql(`create index "reaction_content_type_id_object_id_created_at_id_index" on "reaction" ("content_type_id", "object_id", "created_at", "id");`);
  }

  override down(): void | Promise<void> {

    this.addSql(`drop index "reaction_content_type_id_object_id_created_at_id_index";`);

    this.addSql(`drop index "tagged_item_tag_page_index";`);

  }

}
