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

export interface InstalledIntegrityObject {
  functionName: string;
  body: string;
  /** Full `CREATE OR REPLACE FUNCTION` statement, for down migrations. */
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
  /** Statements that restore the database's current state. */
  down: string[];
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
  const downGroups: string[][] = [];
  for (const object of wanted) {
    const current = installed.get(object.functionName);
    const triggerOk =
      current?.triggers.length === 1 &&
      current.triggers[0].triggerName === object.triggerName &&
      current.triggers[0].tableName === object.tableName &&
      current.triggers[0].enabled;
    if (current && current.body === object.body && triggerOk) continue;
    changed.push(object);
    for (const t of current?.triggers ?? []) {
      // a trigger of this function on another table or under another name
      if (t.triggerName !== object.triggerName || t.tableName !== object.tableName) {
        createUp.push(`drop trigger if exists "${t.triggerName}" on "${t.tableName}"`);
      }
    }
    createUp.push(...createStatements(object));
    if (current) {
      const group = [current.functionDef.trim()];
      for (const t of current.triggers) {
        group.push(`drop trigger if exists "${t.triggerName}" on "${t.tableName}"`, t.triggerDef);
      }
      downGroups.push(group);
    } else {
      downGroups.push(dropStatements(object));
    }
  }
  const wantedNames = new Set(wanted.map((o) => o.functionName));
  const removed = [...installed.values()].filter((o) => !wantedNames.has(o.functionName));
  for (const object of removed) {
    for (const t of object.triggers) dropUp.push(`drop trigger if exists "${t.triggerName}" on "${t.tableName}"`);
    dropUp.push(`drop function if exists "${object.functionName}"()`);
    downGroups.push([object.functionDef.trim(), ...object.triggers.map((t) => t.triggerDef)]);
  }
  return { changed, removed, dropUp, createUp, down: downGroups.reverse().flat() };
}
