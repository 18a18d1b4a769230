/**
 * Opaque global IDs: base64url of `TypeName:key`, where key is the decimal
 * primary key (`Article:42`) or a lowercase uuid (`Place:3f2c0d6e-…`).
 * Clients must treat them as opaque strings; the encoding is documented
 * only for debugging.
 */
export interface DecodedGlobalId {
  typeName: string;
  /** The key part as text; `NodeTypes` reads it by the type's key kind. */
  key: string;
}

export function toGlobalId(typeName: string, key: number | string): string {
  return Buffer.from(`${typeName}:${typeof key === 'string' ? key.toLowerCase() : key}`, 'utf8').toString('base64url');
}

/** Decodes a global ID; returns null for anything malformed (never throws). */
export function fromGlobalId(globalId: unknown): DecodedGlobalId | null {
  if (typeof globalId !== 'string' || globalId.length === 0 || globalId.length > 200) return null;
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(globalId)) return null;
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const match = /^([A-Za-z_][A-Za-z0-9_]*):([1-9][0-9]{0,15}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/.exec(decoded);
  if (!match) return null;
  return { typeName: match[1], key: match[2] };
}
