import type { EntityManager } from '@mikro-orm/sql';
import { placeholders } from './sql.js';

/**
 * Inserts the missing `content_type` rows of these types: `INSERT … ON
 * CONFLICT DO NOTHING`, sorted by natural key so that processes with
 * different registries insert in one order and cannot deadlock on the unique
 * index. Never deletes rows.
 */
export async function insertContentTypeRows(em: EntityManager, types: readonly { key: string; appLabel: string; model: string }[]): Promise<void> {
  if (types.length === 0) return;
  const sorted = [...types].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  await em
    .getConnection()
    .execute(
      `insert into content_type (app_label, model) values ${placeholders(sorted.length, '(?, ?)')} on conflict (app_label, model) do nothing`,
      sorted.flatMap((t) => [t.appLabel, t.model]),
      'run',
    );
}

/** Every `content_type` row, by natural key (`app_label.model`) and by id. */
export async function readContentTypeRows(em: EntityManager): Promise<{ idByKey: Map<string, number>; keyById: Map<number, string> }> {
  const rows = await em.getConnection().execute<{ id: number; app_label: string; model: string }[]>('select id, app_label, model from content_type');
  const idByKey = new Map<string, number>();
  const keyById = new Map<number, string>();
  for (const row of rows) {
    const key = `${row.app_label}.${row.model}`;
    idByKey.set(key, Number(row.id));
    keyById.set(Number(row.id), key);
  }
  return { idByKey, keyById };
}
