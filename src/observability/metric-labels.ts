/**
 * Label values with a bound: every label of every metric takes one of a
 * limited set of values, whatever clients send. Operation names come from
 * clients (anyone can send `query x1 …`, `query x2 …` thousands of times), so
 * they get labels of their own only up to a cap, first come first served,
 * and only once their operation parsed and validated against the schema.
 * The application's own operations (`reserved`: client/operations/, see
 * known-operations.ts) always have their label, outside the cap, so made-up
 * names filling the cap cannot hide them under `__other`.
 */

/** Did not parse or validate (no operation was resolved). */
export const INVALID_OPERATION = '__invalid';
/** A valid operation without a name. */
export const ANONYMOUS_OPERATION = '__anonymous';
/** A name past the cap, longer than 64 characters, or starting with `__`. */
export const OTHER_OPERATION = '__other';

const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export class OperationNameLabels {
  readonly #admitted = new Set<string>();
  readonly #reserved: Set<string>;

  constructor(
    readonly max: number,
    reserved: Iterable<string> = [],
  ) {
    this.#reserved = new Set([...reserved].filter((name) => OPERATION_NAME.test(name) && !name.startsWith('__')));
  }

  /**
   * The label of an operation: its name when `resolved` (it parsed and
   * validated) and the name is admitted, one of the `__` labels otherwise.
   */
  label(name: string | null | undefined, resolved: boolean): string {
    if (!resolved) return INVALID_OPERATION;
    if (!name) return ANONYMOUS_OPERATION;
    if (this.#admitted.has(name) || this.#reserved.has(name)) return name;
    if (!OPERATION_NAME.test(name) || name.startsWith('__') || this.#admitted.size >= this.max) return OTHER_OPERATION;
    this.#admitted.add(name);
    return name;
  }

  get size(): number {
    return this.#admitted.size;
  }
}

const OPERATION_TYPES = new Set(['query', 'mutation', 'subscription']);

export function operationTypeLabel(type: string | undefined): string {
  return type && OPERATION_TYPES.has(type) ? type : 'unknown';
}

/** `extensions.code` as a label: an UPPER_SNAKE code of up to 50 characters, else `OTHER`. */
export function errorCodeLabel(code: unknown): string {
  if (code === undefined || code === null) return 'INTERNAL_SERVER_ERROR';
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,49}$/.test(code) ? code : 'OTHER';
}

const ROUTES = new Set(['/graphql', '/healthz', '/readyz', '/metrics']);

export function routeLabel(path: string): string {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return ROUTES.has(trimmed) ? trimmed : 'other';
}

const METHODS = new Set(['GET', 'POST', 'OPTIONS', 'HEAD']);

export function methodLabel(method: string | undefined): string {
  return method && METHODS.has(method) ? method : 'other';
}

const COMMANDS = new Set(['select', 'insert', 'update', 'delete', 'with', 'begin', 'commit', 'rollback', 'savepoint', 'release', 'set', 'reset']);

/** The SQL command of a statement (its first keyword), for labels and span names. */
export function sqlCommand(sql: string): string {
  const match = /^\s*(?:\/\*[\s\S]*?\*\/\s*)?([A-Za-z]+)/.exec(sql);
  const word = match?.[1].toLowerCase();
  return word && COMMANDS.has(word) ? word : 'other';
}
