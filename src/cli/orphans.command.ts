import { countRows, findOrphans, type OrphanGroup, removeOrphans } from '../generic/orphans.js';
import { type CliCommand, parseOptions, withDatabase } from './command.js';

const USAGE = 'usage: npm run cli -- orphans [--remove]';

const REASONS: Record<OrphanGroup['reason'], string> = {
  'missing-object': 'object does not exist',
  'unregistered-type': 'content type is not registered (stale)',
  'not-a-target': 'content type is not an allowed target',
};

/** One line per group: relation (policy), content type, reason, count and the first ids. */
export function formatOrphanGroups(groups: OrphanGroup[]): string[] {
  return groups.map((g) => {
    const ids = g.rowIds.slice(0, 10).join(', ') + (g.rowIds.length > 10 ? `, … (${g.rowIds.length - 10} more)` : '');
    return `  ${`${g.relation} (${g.policy})`.padEnd(32)} ${g.contentType.padEnd(20)} ${String(g.rowIds.length).padStart(5)} rows of ${g.table}: ${REASONS[g.reason]}  [id ${ids}]`;
  });
}

/**
 * `orphans`: reports generic rows whose target does not exist (per generic
 * foreign key and content type) and, with `--remove`, deletes those of
 * cascade/restrict relations in one transaction. Rows of keep relations
 * (activity) are listed as kept and never removed. Exits 1 when it finds
 * orphans it did not remove, so a scheduled job notices.
 */
export const orphansCommand: CliCommand = {
  name: 'orphans',
  summary: 'report generic rows whose target is gone (--remove deletes those of cascade/restrict relations)',
  async run(args) {
    const parsed = parseOptions(args, { remove: { type: 'boolean' } }, USAGE);
    if (!parsed) return 2;
    const remove = Boolean(parsed.values.remove);
    return withDatabase(async (em, registry) => {
      const report = remove ? await removeOrphans(em, registry) : await findOrphans(em, registry);
      const found = countRows(report.orphans);
      if (found === 0) {
        console.log('No orphans: every generic row of a cascade or restrict relation points at an existing object.');
      } else if (remove) {
        console.log(`Removed ${found} orphan rows in one transaction:`);
        for (const line of formatOrphanGroups(report.orphans)) console.log(line);
      } else {
        console.log(`Found ${found} orphan rows (run with --remove to delete them):`);
        for (const line of formatOrphanGroups(report.orphans)) console.log(line);
      }
      if (report.kept.length) {
        console.log(`Kept ${countRows(report.kept)} dangling rows of keep relations (by design: history outlives its target; never removed):`);
        for (const line of formatOrphanGroups(report.kept)) console.log(line);
      }
      return found > 0 && !remove ? 1 : 0;
    });
  },
};
