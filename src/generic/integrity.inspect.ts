import type { EntityManager } from '@mikro-orm/sql';
import type { ContentTypeRegistry } from './content-type.registry.js';
import {
  createStatements,
  dropStatements,
  GENERATED_MARKER,
  generateIntegrity,
  INTEGRITY_PREFIX,
  type IntegrityObject,
} from './integrity.sql.js';
import { quoteIdentifier as q } from './sql.js';

export interface InstalledIntegrityObject {
  functionName: string;
  body: string;
  /** `pg_get_functiondef()`: the full definition, schema-qualified. */
  functionDef: string;
  /** `enabled` is false for a trigger switched off with ALTER TABLE … DISABLE TRIGGER. */
  triggers: { triggerName: string; tableName: string; triggerDef: string; enabled: boolean }[];
}

export interface IntegrityDrift {
  /** Objects the registry wants that are missing or differ in the database. */
  changed: IntegrityObject[];
  /** Objects in the database that the registry no longer wants. */
  removed: InstalledIntegrityObject[];
  /** Statements dropping what the registry no longer wants; run before table changes. */
  dropUp: string[];
  /** Statements creating or replacing what the registry wants; run after table changes. */
  createUp: string[];
  /** Statements undoing `createUp`; run before the table changes are reverted. */
  createDown: string[];
  /** Statements undoing `dropUp` (re-creating what it dropped); run after the table changes are reverted. */
  dropDown: string[];
}

/**
 * Reads the installed integrity trigger functions (trigger functions named
 * `cg_…` whose body starts with the generator's marker, so that nobody else's
 * function is ever reported or dropped) and the triggers that call them.
 */
export async function readInstalledIntegrity(em: EntityManager): Promise<Map<string, InstalledIntegrityObject>> {
  const conn = em.getConnection();
  const prefix = `'${INTEGRITY_PREFIX}'`;
  const functions = await conn.execute<{ name: string; body: string; def: string }[]>(
    `select p.proname as name, p.prosrc as body, pg_get_functiondef(p.oid) as def
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = current_schema() and left(p.proname, ${INTEGRITY_PREFIX.length}) = ${prefix}
        and p.prorettype = 'trigger'::regtype and strpos(p.prosrc, ?) > 0`,
    [GENERATED_MARKER],
  );
  const triggers = await conn.execute<{ name: string; table_name: string; def: string; fn: string; enabled: string }[]>(
    `select t.tgname as name, c.relname as table_name, pg_get_triggerdef(t.oid) as def, p.proname as fn, t.tgenabled as enabled
       from pg_trigger t
       join pg_class c on c.oid = t.tgrelid
       join pg_namespace n on n.oid = c.relnamespace
       join pg_proc p on p.oid = t.tgfoid
      where not t.tgisinternal and n.nspname = current_schema() and left(p.proname, ${INTEGRITY_PREFIX.length}) = ${prefix}`,
  );
  const installed = new Map<string, InstalledIntegrityObject>();
  for (const f of functions) installed.set(f.name, { functionName: f.name, body: f.body, functionDef: f.def, triggers: [] });
  for (const t of triggers) {
    installed.get(t.fn)?.triggers.push({ triggerName: t.name, tableName: t.table_name, triggerDef: t.def, enabled: t.enabled !== 'D' });
  }
  return installed;
}

/**
 * Compares the database's integrity triggers with what the registry
 * generates: a function that is missing or differs, a trigger that is
 * missing, misplaced or disabled, and a generated function the registry no
 * longer wants. Empty `changed` and `removed` mean the migrations are current.
 */
export async function diffIntegrity(em: EntityManager, registry: ContentTypeRegistry): Promise<IntegrityDrift> {
  const wanted = generateIntegrity(registry);
  const installed = await readInstalledIntegrity(em);
  const changed: IntegrityObject[] = [];
  const createUp: string[] = [];
  const dropUp: string[] = [];
  const createDownGroups: string[][] = [];
  const dropDownGroups: string[][] = [];
  for (const object of wanted) {
    const current = installed.get(object.functionName);
    const triggerOk =
      current?.triggers.length === 1 &&
      current.triggers[0].triggerName === object.triggerName &&
      current.triggers[0].tableName === object.tableName &&
      current.triggers[0].enabled;
    if (current && current.body === object.body && triggerOk) continue;
    changed.push(object);
    const misplaced = (current?.triggers ?? []).filter((t) => t.triggerName !== object.triggerName || t.tableName !== object.tableName);
    for (const t of misplaced) createUp.push(dropTrigger(t.triggerName, t.tableName));
    createUp.push(...createStatements(object));
    if (current) {
      const restoresWanted = current.triggers.some((t) => t.triggerName === object.triggerName && t.tableName === object.tableName);
      createDownGroups.push([
        ...(restoresWanted ? [] : [dropTrigger(object.triggerName, object.tableName)]),
        ...restoreStatements(current),
      ]);
    } else {
      createDownGroups.push(dropStatements(object));
    }
  }
  const wantedNames = new Set(wanted.map((o) => o.functionName));
  const removed = [...installed.values()].filter((o) => !wantedNames.has(o.functionName));
  for (const object of removed) {
    for (const t of object.triggers) dropUp.push(dropTrigger(t.triggerName, t.tableName));
    dropUp.push(`drop function if exists "${object.functionName}"()`);
    dropDownGroups.push(restoreStatements(object));
  }
  return {
    changed,
    removed,
    dropUp,
    createUp,
    createDown: createDownGroups.reverse().flat(),
    dropDown: dropDownGroups.reverse().flat(),
  };
}

const dropTrigger = (triggerName: string, tableName: string) =>
  `drop trigger if exists ${q(triggerName)} on ${q(tableName)}`;

/**
 * Statements that re-create an installed object as it is, without naming its
 * schema (unlike pg_get_functiondef), so a down migration runs wherever the
 * up migration ran. A generated body carries its trigger's CREATE TRIGGER in
 * its second comment line; other triggers fall back to pg_get_triggerdef.
 */
function restoreStatements(object: InstalledIntegrityObject): string[] {
  const statements = [`create or replace function "${object.functionName}"() returns trigger language plpgsql as $cg$${object.body}$cg$`];
  const embedded = object.body.split('\n').find((line) => line.startsWith('-- create trigger '))?.slice(3);
  for (const t of object.triggers) {
    const own = embedded && embedded.startsWith(`create trigger "${t.triggerName}" `) && embedded.includes(` on "${t.tableName}" `);
    statements.push(dropTrigger(t.triggerName, t.tableName), own ? embedded : t.triggerDef);
    if (!t.enabled) statements.push(`alter table "${t.tableName}" disable trigger "${t.triggerName}"`);
  }
  return statements;
}
