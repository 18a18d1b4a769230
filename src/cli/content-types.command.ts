import { findStaleContentTypes, removeStaleContentTypes, type StaleContentType } from '../generic/stale-content-types.js';
import { type CliCommand, parseOptions, withDatabase } from './command.js';

const USAGE = 'usage: npm run cli -- contenttypes:stale [--remove]';

/** Lines describing stale content types and the rows that go with them. */
export function formatStaleContentTypes(stale: StaleContentType[]): string[] {
  return stale.flatMap((s) => [
    `  ${s.appLabel}.${s.model} (id ${s.id})${s.dependents.length ? '' : ': no rows use it'}`,
    ...s.dependents.map(
      (d) => `      ${String(d.rows).padStart(5)} rows of ${d.table}.${d.column}${d.relation ? ` (generic foreign key ${d.relation})` : ''}${d.onDelete === 'cascade' ? '' : ` — ON DELETE ${d.onDelete.toUpperCase()} blocks the removal`}`,
    ),
  ]);
}

/**
 * `contenttypes:stale`: lists the content_type rows of types no longer
 * registered and the generic rows that would go with them; `--remove`
 * removes them (their rows cascade) in one transaction. Never automatic.
 */
export const staleContentTypesCommand: CliCommand = {
  name: 'contenttypes:stale',
  summary: 'list content types no longer registered and their rows (--remove deletes them, rows included)',
  async run(args) {
    const parsed = parseOptions(args, { remove: { type: 'boolean' } }, USAGE);
    if (!parsed) return 2;
    const remove = Boolean(parsed.values.remove);
    return withDatabase(async (em, registry) => {
      if (!remove) {
        const stale = await findStaleContentTypes(em, registry);
        if (stale.length === 0) {
          console.log('No stale content types: every content_type row belongs to a registered type.');
          return 0;
        }
        console.log(`${stale.length} stale content types (no longer registered); --remove would delete them and these rows:`);
        for (const line of formatStaleContentTypes(stale)) console.log(line);
        return 0;
      }
      const removed = await removeStaleContentTypes(em, registry);
      if (removed.length === 0) {
        console.log('No stale content types: nothing removed.');
        return 0;
      }
      const rows = removed.reduce((sum, s) => sum + s.dependents.reduce((n, d) => n + d.rows, 0), 0);
      console.log(`Removed ${removed.length} stale content types and ${rows} rows with them, in one transaction:`);
      for (const line of formatStaleContentTypes(removed)) console.log(line);
      return 0;
    });
  },
};
