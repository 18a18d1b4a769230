/**
 * Opaque global IDs: base64url of `TypeName:databaseId`. Clients must treat
 * them as opaque strings; the encoding is documented only for debugging.
 */
export interface DecodedGlobalId {
  typeName: string;
  id: number;
}

const MAX_ID = Number.MAX_SAFE_INTEGER;

export function toGlobalId(typeName: string, id: number | string): string {
  return Buffer.from(`${typeName}:${id}`, 'utf8').toString('base64url');
}

/** Decodes a global ID; returns null for anything malformed (never throws). */
export function fromGlobalId(globalId: unknown): DecodedGlobalId | null {
  if (typeof globalId !== 'string' || globalId.length === 0 || globalId.length > 200) return null;
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(globalId)) return null;
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const match = /^([A-Za-z_][A-Za-z0-9_]*):([1-9][0-9]{0,15})$/.exec(decoded);
  if (!match) return null;
  const id = Number(match[2]);
  if (!Number.isSafeInteger(id) || id > MAX_ID) return null;
  return { typeName: match[1], id };
}
