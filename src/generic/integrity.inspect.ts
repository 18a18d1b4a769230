import type { EntityManager } from '@mikro-orm/sql';
import type { ContentTypeRegistry } from './content-type.registry.js';
import {
  createFunctionStatement,
  createTriggerStatements,
  dropFunctionStatement,
  dropTriggerStatement,
  GENERATED_MARKER,
  generateIntegrity,
  INTEGRITY_PREFIX,
  type IntegrityFunction,
  type IntegrityTrigger,
} from './integrity.sql.js';

export interface InstalledFunction {
  name: string;
  args: string;
  returns: string;
  body: string;
}

export interface InstalledTrigger {
  name: string;
  table: string;
  function: string;
  /** The trigger's comment: its CREATE TRIGGER statement when the generator installed it. */
  comment: string | null;
  /** `pg_get_triggerdef()`, schema-qualified: the fallback to restore a trigger without a comment. */
  definition: string;
  /** False for a trigger switched off with ALTER TABLE … DISABLE TRIGGER. */
  enabled: boolean;
}

export interface InstalledIntegrity {
  functions: Map<string, InstalledFunction>;
  /** By `table.trigger`. */
  triggers: Map<string, InstalledTrigger>;
}

export interface IntegrityDrift {
  /** Functions the registry wants that are missing or differ in the database. */
  changedFunctions: IntegrityFunction[];
  /** Triggers the registry wants that are missing, differ, call another function or are disabled. */
  changedTriggers: IntegrityTrigger[];
  /** Generated functions in the database that the registry no longer wants. */
  removedFunctions: InstalledFunction[];
  /** Triggers on generated functions that the registry no longer wants. */
  removedTriggers: InstalledTrigger[];
  /** Up, before the table changes: drops the triggers that go or change, and the functions that go. */
  dropUp: string[];
  /** Up, after the table changes: creates the functions, then the triggers. */
  createUp: string[];
  /** Down, before the table changes are reverted: undoes `createUp`. */
  createDown: string[];
  /** Down, after the table changes are reverted: re-creates what `dropUp` dropped, functions before triggers. */
  dropDown: string[];
}

/**
 * Reads the installed integrity functions (functions named `cg_…` whose body
 * carries the generator's marker, so nobody else's function is ever
 * reported or dropped) and the triggers that call them.
 */
export async function readInstalledIntegrity(em: EntityManager): Promise<InstalledIntegrity> {
  const conn = em.getConnection();
  const ours = `n.nspname = current_schema() and left(p.proname, ${INTEGRITY_PREFIX.length}) = '${INTEGRITY_PREFIX}' and strpos(p.prosrc, ?) > 0`;
  const functions = await conn.execute<{ name: string; args: string; returns: string; body: string }[]>(
    `select p.proname as name, pg_get_function_identity_arguments(p.oid) as args, pg_get_function_result(p.oid) as returns, p.prosrc as body
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace where ${ours} order by p.proname`,
    [GENERATED_MARKER],
  );
  const triggers = await conn.execute<{ name: string; table_name: string; fn: string; enabled: string; comment: string | null; def: string }[]>(
    `select t.tgname as name, c.relname as table_name, p.proname as fn, t.tgenabled as enabled,
            obj_description(t.oid, 'pg_trigger') as comment, pg_get_triggerdef(t.oid) as def
       from pg_trigger t
       join pg_class c on c.oid = t.tgrelid
       join pg_proc p on p.oid = t.tgfoid
       join pg_namespace n on n.oid = p.pronamespace
      where not t.tgisinternal and c.relnamespace = n.oid and ${ours} order by c.relname, t.tgname`,
    [GENERATED_MARKER],
  );
  return {
    functions: new Map(functions.map((f) => [f.name, { name: f.name, args: f.args, returns: f.returns, body: f.body }])),
    triggers: new Map(
      triggers.map((t) => [
        `${t.table_name}.${t.name}`,
        { name: t.name, table: t.table_name, function: t.fn, comment: t.comment, definition: t.def, enabled: t.enabled !== 'D' },
      ]),
    ),
  };
}

const sameSignature = (a: Pick<InstalledFunction, 'args' | 'returns'>, b: Pick<InstalledFunction, 'args' | 'returns'>) =>
  a.args.trim() === b.args.trim() && a.returns.trim() === b.returns.trim();

/**
 * Compares the database's integrity functions and triggers with what the
 * registry generates, and writes the statements that bring one to the other
 * and back. Empty `changed…` and `removed…` lists mean the migrations are current.
 */
export async function diffIntegrity(em: EntityManager, registry: ContentTypeRegistry): Promise<IntegrityDrift> {
  const wanted = generateIntegrity(registry);
  const installed = await readInstalledIntegrity(em);

  const changedFunctions = wanted.functions.filter((f) => {
    const current = installed.functions.get(f.name);
    return !current || current.body !== f.body || !sameSignature(current, f);
  });
  const changedTriggers = wanted.triggers.filter((t) => {
    const current = installed.triggers.get(`${t.table}.${t.name}`);
    return !current || current.function !== t.function || current.comment !== t.sql || !current.enabled;
  });
  const wantedFunctions = new Set(wanted.functions.map((f) => f.name));
  const wantedTriggers = new Set(wanted.triggers.map((t) => `${t.table}.${t.name}`));
  const removedFunctions = [...installed.functions.values()].filter((f) => !wantedFunctions.has(f.name));
  const removedTriggers = [...installed.triggers.values()].filter((t) => !wantedTriggers.has(`${t.table}.${t.name}`));
  // Functions whose argument list or result changes cannot be replaced: dropped and created.
  const resigned = changedFunctions.filter((f) => {
    const current = installed.functions.get(f.name);
    return current && !sameSignature(current, f);
  });
  const replacedTriggers = changedTriggers.map((t) => installed.triggers.get(`${t.table}.${t.name}`)).filter((t) => t !== undefined);
  const droppedTriggers = [...replacedTriggers, ...removedTriggers];
  const droppedFunctions = [...removedFunctions, ...resigned.map((f) => installed.functions.get(f.name)!)];

  return {
    changedFunctions,
    changedTriggers,
    removedFunctions,
    removedTriggers,
    dropUp: [...droppedTriggers.map(dropTriggerStatement), ...droppedFunctions.map(dropFunctionStatement)],
    createUp: [...changedFunctions.map(createFunctionStatement), ...changedTriggers.flatMap(createTriggerStatements)],
    createDown: [
      ...changedTriggers.map(dropTriggerStatement),
      ...changedFunctions.flatMap((f) => {
        const current = installed.functions.get(f.name);
        if (!current || !sameSignature(current, f)) return [dropFunctionStatement(f)];
        return [createFunctionStatement(current)];
      }),
    ],
    dropDown: [
      ...droppedFunctions.map(createFunctionStatement),
      ...droppedTriggers.flatMap((t) => restoreTrigger(t, installed)),
    ],
  };
}

/**
 * Statements that re-create an installed trigger as it was, without naming
 * its schema where possible, so a down migration runs wherever the up
 * migration ran: its comment (triggers this generator installed), the
 * CREATE TRIGGER line an older generator embedded in its function's body,
 * or else `pg_get_triggerdef`.
 */
function restoreTrigger(trigger: InstalledTrigger, installed: InstalledIntegrity): string[] {
  const own = (sql: string | null | undefined) =>
    sql && sql.startsWith(`create trigger "${trigger.name}" `) && sql.includes(` on "${trigger.table}" `) ? sql : undefined;
  const embedded = installed.functions
    .get(trigger.function)
    ?.body.split('\n')
    .find((line) => line.startsWith('-- create trigger '))
    ?.slice(3);
  const fromComment = own(trigger.comment);
  const statements = fromComment ? createTriggerStatements({ ...trigger, sql: fromComment }) : [dropTriggerStatement(trigger), own(embedded) ?? trigger.definition];
  if (!trigger.enabled) statements.push(`alter table "${trigger.table}" disable trigger "${trigger.name}"`);
  return statements;
}
