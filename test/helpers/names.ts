import crypto from 'node:crypto';

/** A database or directory name unique across processes and runs. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${crypto.randomBytes(4).toString('hex')}`;
}

/** DATABASE_URL with another database name. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
