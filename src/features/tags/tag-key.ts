import { lookupFolding } from 'unicode-case-folding';

/**
 * The identity of a tag name: ONE canonical key, computed by the database
 * (`cg_tag_key(text)`, stored in the generated column `tag.name_key` under a
 * unique index) and, for comparisons before any query, by `tagKey` here.
 * Both are built from the same definition:
 *
 *   1. Unicode NFKC (compatibility forms: ligatures, fullwidth, ² …);
 *   2. full case folding (Unicode CaseFolding.txt, statuses C and F:
 *      `ß` → `ss`, `İ` → `i̇`, final `ς` → `σ`), from the
 *      `unicode-case-folding` package's table;
 *   3. removal of default-ignorable code points (zero-width characters,
 *      bidi controls, variation selectors, …), as Unicode's NFKC_Casefold does;
 *   4. COMBINING DOTS ABOVE right after a soft-dotted letter dropped: `i̇`
 *      (what `İ` folds to) looks exactly like `i`, so the Turkish `İzmir`,
 *      `i̇zmir`, `izmir` and `IZMIR` are one tag (the dotless `ı` stays apart);
 *   5. NFKC again (folding can produce decomposed sequences);
 *   6. runs of whitespace collapsed to one space, trimmed.
 *
 * JavaScript's `toLowerCase` is not case folding, PostgreSQL 15's `lower()`
 * depends on the database locale and `casefold()` exists only from
 * PostgreSQL 18, so the folding table is written into the SQL function
 * (`tagKeyFunctionSql`) by the migration that creates it. A test checks that
 * the database and this module agree on every code point of the table and on
 * a corpus of scripts.
 */

/** Whitespace of the key: JavaScript's `\s` (U+FEFF is default-ignorable, so removed before). */
const SPACE_CLASS = '\\t\\n\\u000B\\f\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const SPACES = new RegExp(`[${SPACE_CLASS}]+`, 'gu');
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
const DOT_AFTER_SOFT_DOTTED = /(\p{Soft_Dotted})\u0307+/gu;

/** Case folding of one string, code point by code point (CaseFolding.txt, C + F). */
export function caseFold(value: string): string {
  let out = '';
  for (const char of value) {
    const folded = lookupFolding(char.codePointAt(0)!);
    out += folded ? String.fromCodePoint(...folded) : char;
  }
  return out;
}

/** The canonical key of a tag name (see above). The database's `cg_tag_key` computes the same. */
export function tagKey(name: string): string {
  const folded = caseFold(name.normalize('NFKC')).replace(IGNORABLE, '').replace(DOT_AFTER_SOFT_DOTTED, '$1');
  return folded.normalize('NFKC').replace(SPACES, ' ').trim();
}

/** Every code point with a case folding: [code point, folded code points]. */
export function caseFoldingTable(): [number, number[]][] {
  const table: [number, number[]][] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    const folded = lookupFolding(cp);
    if (folded) table.push([cp, folded]);
  }
  return table;
}

/** Ranges [first, last] of the code points matching `test` (default: the default-ignorable ones), as JavaScript's Unicode data knows them. */
export function codePointRanges(test = /^\p{Default_Ignorable_Code_Point}$/u): [number, number][] {
  const ranges: [number, number][] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (!test.test(String.fromCodePoint(cp))) continue;
    const last = ranges.at(-1);
    if (last && last[1] === cp - 1) last[1] = cp;
    else ranges.push([cp, cp]);
  }
  return ranges;
}

const hex = (cp: number) => (cp > 0xffff ? `\\+${cp.toString(16).toUpperCase().padStart(6, '0')}` : `\\${cp.toString(16).toUpperCase().padStart(4, '0')}`);
/** A PostgreSQL Unicode-escape string literal (U&'…'): no raw exotic characters in migration files. */
const uLiteral = (cps: number[]) => `U&'${cps.map((cp) => (cp >= 0x20 && cp < 0x7f && cp !== 0x27 && cp !== 0x5c ? String.fromCharCode(cp) : hex(cp))).join('')}'`;
const regexCp = (cp: number) => (cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`);

/** Code point ranges whose one-to-one foldings get a `translate()` each (translate scans its whole list per character). */
const BLOCKS: [number, number][] = [
  [0x0000, 0x007f],
  [0x0080, 0x024f],
  [0x0250, 0x03ff],
  [0x0400, 0x052f],
  [0x0530, 0x1dff],
  [0x1e00, 0x1fff],
  [0x2000, 0x2bff],
  [0x2c00, 0xffff],
  [0x10000, 0x10ffff],
];

/**
 * `CREATE OR REPLACE FUNCTION cg_tag_key(text)`: the key in SQL, IMMUTABLE
 * (usable in a generated column and an index), built from the same tables
 * as `tagKey`. Multi-character foldings are `replace()` calls, one-to-one
 * foldings a `translate()` per block of code points that occurs in the
 * name, ignorables one `regexp_replace()`.
 */
export function tagKeyFunctionSql(): string {
  const table = caseFoldingTable();
  const full = table.filter(([, to]) => to.length > 1);
  const lines = ['s := normalize(name, NFKC);'];
  let replaced = 's';
  for (const [from, to] of full) replaced = `replace(${replaced}, ${uLiteral([from])}, ${uLiteral(to)})`;
  lines.push(`if s ~ '[${full.map(([from]) => regexCp(from)).join('')}]' then s := ${replaced}; end if;`);
  for (const [lo, hi] of BLOCKS) {
    const simple = table.filter(([from, to]) => to.length === 1 && from >= lo && from <= hi);
    if (simple.length === 0) continue;
    const from = uLiteral(simple.map(([cp]) => cp));
    const to = uLiteral(simple.map(([, folded]) => folded[0]));
    lines.push(`if s ~ '[${regexCp(simple[0][0])}-${regexCp(simple.at(-1)![0])}]' then s := translate(s, ${from}, ${to}); end if;`);
  }
  const rangeClass = (ranges: [number, number][]) => ranges.map(([a, b]) => (a === b ? regexCp(a) : `${regexCp(a)}-${regexCp(b)}`)).join('');
  lines.push(`s := regexp_replace(s, '[${rangeClass(codePointRanges())}]', '', 'g');`);
  lines.push(`s := normalize(regexp_replace(s, '([${rangeClass(codePointRanges(/^\p{Soft_Dotted}$/u))}])\\u0307+', '\\1', 'g'), NFKC);`);
  lines.push(`return btrim(regexp_replace(s, '[${SPACE_CLASS}]+', ' ', 'g'), ' ');`);
  return (
    'create or replace function cg_tag_key(name text) returns text language plpgsql immutable strict parallel safe as $cg$\n' +
    '-- The canonical key of a tag name, generated from src/features/tags/tag-key.ts: NFKC, full case folding\n' +
    '-- (Unicode CaseFolding C + F), default-ignorable code points removed, dot above after soft-dotted letters removed,\n' +
    '-- NFKC, whitespace collapsed.\n' +
    'declare s text;\nbegin\n' +
    lines.map((line) => `  ${line}\n`).join('') +
    'end $cg$'
  );
}
