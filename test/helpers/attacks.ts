/** Hostile documents of issue 7, built exactly as its reproductions build them. */

/** `target { … on Taggable { tags { items(first: 100) { edges { node { … } } } } } }` nested `levels` deep under `activity(first: 100)`. */
export function deepQuery(levels: number): string {
  let selection = '__typename';
  for (let i = 0; i < levels; i++) {
    selection = `__typename ... on Taggable { tags { name items(first: 100) { edges { node { ${selection} } } } } }`;
  }
  return `{ activity(first: 100) { edges { node { target { ${selection} } } } } }`;
}

/** `count` aliases of the feed with targets, tags and actor. */
export function aliasQuery(count: number): string {
  const field = (i: number) =>
    `a${i}: activity(first: 100) { edges { node { verb target { __typename ... on Taggable { tags { name } } } actor { name } } } }`;
  return `{ ${Array.from({ length: count }, (_, i) => field(i)).join(' ')} }`;
}

/** A syntactically valid document of about `bytes` characters. */
export function hugeDocument(bytes: number): string {
  const unit = 'health { ok } ';
  return `{ ${unit.repeat(Math.floor((bytes - 4) / unit.length))}}`;
}
