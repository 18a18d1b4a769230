/** One read replica of the primary PostgreSQL (`DATABASE_REPLICA_URLS`). */
export interface ReplicaConfig {
  /** `replica-1`, `replica-2`, … in list order: in logs, /readyz and `application_name` (never the URL, which may hold a password). */
  name: string;
  /** Its `postgres://` URL. */
  url: string;
  /** The URL without its password, for messages. */
  shown: string;
}

/** More replicas than this is a configuration mistake (each is a pool of up to 10 connections per worker). */
export const MAX_REPLICAS = 16;
const MAX_URL_LENGTH = 2048;

/**
 * Reads `DATABASE_REPLICA_URLS`: comma-separated `postgres://` (or
 * `postgresql://`) URLs of streaming replicas of the `DATABASE_URL` primary;
 * unset or empty: none. Refused with an error naming the variable (the
 * server does not start): an entry that is not such a URL or has no host,
 * an empty entry (`a,,b`), the same server twice, the primary itself, more
 * than MAX_REPLICAS, and any replica without `DATABASE_URL` (the embedded
 * PGlite is one process with no replication: asking it for replicas is a
 * mistake, not something to ignore). Messages never show a password.
 */
export function loadReplicasConfig(env: NodeJS.ProcessEnv, databaseUrl: string | undefined): ReplicaConfig[] {
  const raw = env.DATABASE_REPLICA_URLS;
  if (raw === undefined || raw.trim() === '') return [];
  if (!databaseUrl) {
    throw new Error(
      'DATABASE_REPLICA_URLS needs DATABASE_URL: read replicas are replicas of a PostgreSQL primary, and the embedded PGlite ' +
        'database (used without DATABASE_URL) has none. Set DATABASE_URL=postgres://… to the primary, or unset DATABASE_REPLICA_URLS.',
    );
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  if (entries.length > MAX_REPLICAS) {
    throw new Error(`DATABASE_REPLICA_URLS lists ${entries.length} entries; at most ${MAX_REPLICAS} read replicas are supported.`);
  }
  const primary = identity(databaseUrl);
  const seen = new Map<string, string>();
  return entries.map((entry, index) => {
    const name = `replica-${index + 1}`;
    if (entry === '') {
      throw new Error(`DATABASE_REPLICA_URLS entry ${index + 1} is empty; list postgres:// URLs separated by single commas.`);
    }
    const shown = showUrl(entry);
    let url: URL | undefined;
    try {
      url = entry.length <= MAX_URL_LENGTH ? new URL(entry) : undefined;
    } catch {
      // reported below
    }
    // Host names and IP addresses only: no percent-encoded (non-ASCII, invisible, bidi) characters.
    const host = url?.hostname ?? '';
    if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') || !/^(?:[a-z0-9_.-]+|\[[0-9a-f:.]+\])$/i.test(host)) {
      throw new Error(
        `DATABASE_REPLICA_URLS entry ${index + 1} ("${shown}") is not a postgres:// URL with a host ` +
          '(like postgres://user@replica-host:5432/dbname); list them separated by commas.',
      );
    }
    const key = identity(entry);
    if (key === primary) {
      throw new Error(`DATABASE_REPLICA_URLS entry ${index + 1} ("${shown}") is the primary (DATABASE_URL) itself; list only its replicas.`);
    }
    const earlier = seen.get(key);
    if (earlier) {
      throw new Error(`DATABASE_REPLICA_URLS lists the same server twice ("${shown}", as ${earlier} and ${name}); list each replica once.`);
    }
    seen.set(key, name);
    return { name, url: entry, shown };
  });
}

/** Host, port and database of a URL (what makes two URLs the same server), lower-cased; the raw text when it does not parse. */
function identity(raw: string): string {
  try {
    const url = new URL(raw);
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username) || 'postgres';
    return `${url.hostname.toLowerCase()}:${url.port || '5432'}/${database}`;
  } catch {
    return raw;
  }
}

/** `raw` without the password of its user part, shortened: safe for logs and start-up errors. */
function showUrl(raw: string): string {
  let text: string;
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    text = url.href;
  } catch {
    // Not a URL: hide everything between "://" and the last "@" (a user and password, possibly with an unescaped "@").
    const at = raw.lastIndexOf('@');
    text = at < 0 ? raw : `${/^[a-z][a-z0-9+.-]*:\/\//i.exec(raw)?.[0] ?? ''}***${raw.slice(at)}`;
  }
  const cut = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
}
