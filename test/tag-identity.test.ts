import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseFoldingTable, tagKey, tagKeyFunctionSql } from '../src/features/tags/tag-key.js';
import { rootEm } from '../src/server/orm.js';
import { createContent, createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Spellings that must be ONE tag, per group; different groups are different tags. */
const SAME: string[][] = [
  ['İzmir', 'i\u0307zmir', 'izmir', 'IZMIR', 'İZMİR'],
  ['ızmır'], // Turkish dotless ı is another letter
  ['ΟΔΟΣ', 'οδος', 'οδοσ', 'Οδος'],
  ['Straße', 'STRASSE', 'strasse', 'STRAẞE'],
  ['café', 'cafe\u0301', 'CAFÉ', 'CAFE\u0301'],
  ['file', 'ﬁle', 'FILE', 'ｆｉｌｅ'],
  ['ABC', 'ＡＢＣ', 'ａｂｃ'],
  ['Ꭰ', 'ꭰ'], // Cherokee folds to upper case
  ['եւ', 'և'], // Armenian ligature
  ['xii', 'Ⅻ'],
  ['ΐ', '\u03b9\u0308\u0301', '\u0390'],
  ['k', 'K', '\u212a'], // Kelvin sign
  ['❤', '❤\ufe0f'], // variation selector ignored
  ['a b', ' a\u3000b ', 'a  b', 'a\u00a0b'],
  ['한국', '\u1112\u1161\u11ab\u1100\u116e\u11a8'], // Hangul jamo compose under NFKC
];

const ADD = 'mutation($target: ID!, $names: [String!]!) { addTags(target: $target, names: $names) { changed tags { name } } }';
const TAG = 'query($name: String!) { tag(name: $name) { id name itemCount } }';

describe(`one tag identity (${databaseKind})`, () => {
  let t: TestServer;
  let ada: TestUser;
  let grace: TestUser;
  const keysInDatabase = async (values: string[]): Promise<string[]> => {
    const rows = await t.sql<{ key: string }>(`select cg_tag_key(v) as key from jsonb_array_elements_text(?::jsonb) with ordinality as a(v, i) order by i`, [
      JSON.stringify(values),
    ]);
    return rows.map((row) => row.key);
  };

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    ada = await createTestUser(t, 'ada', { admin: true });
    grace = await createTestUser(t, 'grace');
  });
  afterAll(() => t?.stop());

  it('computes the same key in the database and in JavaScript for every code point with a case folding and for a corpus of scripts', async () => {
    const table = caseFoldingTable().map(([cp]) => String.fromCodePoint(cp));
    const corpus = [...SAME.flat(), table.join(''), `Mixed ${table.slice(0, 400).join(' ')}`, 'a\u200bb\u2060c\u00ad', 'i\u0307\u0307'];
    const inputs = [...table, ...corpus];
    const sqlKeys = await keysInDatabase(inputs);
    const mismatches = inputs.filter((value, i) => sqlKeys[i] !== tagKey(value));
    expect(mismatches).toEqual([]);
    // The key is stable: the key of a key is itself, in both.
    const keys = corpus.map(tagKey);
    expect(await keysInDatabase(keys)).toEqual(keys);
    expect(keys.map(tagKey)).toEqual(keys);
  });

  it('runs the cg_tag_key that tag-key.ts generates (a new Unicode table needs a new migration)', async () => {
    const [installed] = await t.sql<{ src: string }>(`select prosrc as src from pg_proc where proname = 'cg_tag_key'`);
    expect(installed.src).toBe(/\$cg\$(.*)\$cg\$/s.exec(tagKeyFunctionSql())![1]);
  });

  it('makes every spelling of a group one key, and the groups distinct keys', () => {
    const groupKeys = SAME.map((group) => new Set(group.map(tagKey)));
    for (const keys of groupKeys) expect(keys.size).toBe(1);
    expect(new Set(groupKeys.map((keys) => [...keys][0])).size).toBe(SAME.length);
  });

  it('finds a tag by every spelling of its name: tag(name), <type list>(tagged), tags(prefix), removeTags, addTags', async () => {
    const animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Identity' });
    const other = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Identity 2' });
    const groups = SAME.filter((group) => /[\p{L}\p{N}]/u.test(group[0])); // a tag name needs a letter or digit
    const first = groups.map((group) => group[0]);
    const added = await t.gql(ADD, { target: animal.id, names: first }, { token: grace.token });
    expect(added.errors).toBeUndefined();
    expect([...added.data.addTags.changed].sort()).toEqual([...first].sort());
    for (const group of groups) {
      const expected = (await t.gql(TAG, { name: group[0] })).data.tag;
      expect(expected).toMatchObject({ name: group[0], itemCount: 1 });
      for (const spelling of group) {
        expect((await t.gql(TAG, { name: spelling })).data.tag, JSON.stringify(spelling)).toEqual(expected);
        const tagged = await t.gql('query($tagged: [String!]) { fixtureAnimals(tagged: $tagged) { edges { node { id } } } }', { tagged: [spelling] });
        expect(tagged.data.fixtureAnimals.edges, JSON.stringify(spelling)).toEqual([{ node: { id: animal.id } }]);
      }
      // Another spelling adds the same tag, not a second one.
      const again = await t.gql(ADD, { target: other.id, names: [group.at(-1)] }, { token: grace.token });
      expect(again.data.addTags.changed).toEqual([group[0]]);
    }
    expect(Number((await t.sql<{ n: number }>('select count(*)::int as n from tag'))[0].n)).toBe(groups.length);
    // Several spellings of one name in one call are one tag.
    const many = await t.gql(ADD, { target: other.id, names: ['STRASSE', 'Straße', 'strasse'] }, { token: grace.token });
    expect(many.data.addTags.changed).toEqual([]);

    const prefix = await t.gql('query($p: String) { tags(prefix: $p) { edges { node { name } } } }', { p: 'İZM' });
    expect(prefix.data.tags.edges).toEqual([{ node: { name: 'İzmir' } }]);
    const prefix2 = await t.gql('query($p: String) { tags(prefix: $p) { edges { node { name } } } }', { p: 'STRAS' });
    expect(prefix2.data.tags.edges).toEqual([{ node: { name: 'Straße' } }]);
    const wildcard = await t.gql('query($p: String) { tags(prefix: $p) { edges { node { name } } } }', { p: '%' });
    expect(wildcard.data.tags.edges).toEqual([]);

    const removed = await t.gql('mutation($target: ID!, $names: [String!]!) { removeTags(target: $target, names: $names) { changed } }', {
      target: animal.id,
      names: ['IZMIR', 'οδοσ', 'CAFE\u0301'],
    }, { token: grace.token });
    expect([...removed.data.removeTags.changed].sort()).toEqual(['café', 'İzmir', 'ΟΔΟΣ'].sort());
  });

  it('merges by key: mergeTags finds `from` by any spelling and refuses `into` spelled as one of them', async () => {
    const animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Merge identity' });
    await t.gql(ADD, { target: animal.id, names: ['Köln'] }, { token: grace.token });
    const merge = 'mutation($from: [String!]!, $into: String!) { mergeTags(from: $from, into: $into) { tag { name } merged } }';
    const same = await t.gql(merge, { from: ['KÖLN'] , into: 'ko\u0308ln' }, { token: ada.token });
    expect(errorCodes(same)).toEqual(['BAD_USER_INPUT']);
    expect(same.errors![0].extensions!.argumentName).toBe('from');
    const res = await t.gql(merge, { from: ['KO\u0308LN'], into: 'Cologne' }, { token: ada.token });
    expect(res.errors).toBeUndefined();
    expect(res.data.mergeTags).toEqual({ tag: { name: 'Cologne' }, merged: ['Köln'] });
  });

  it('refuses names with control, zero-width, bidi and other invisible characters with BAD_USER_INPUT naming the argument', async () => {
    const animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Invisible' });
    const refused = [
      'a\u200bb', // zero width space
      'a\u200cb', // zero width non-joiner
      'a\u200db', // zero width joiner
      'a\u2060b', // word joiner
      '\ufeffabc', // BOM
      'a\u00adb', // soft hyphen
      '\u202eabc', // right-to-left override
      'a\u202ab\u202c', // left-to-right embedding
      'a\u2067b\u2069', // right-to-left isolate
      'a\u200fb', // right-to-left mark
      'a\u061cb', // arabic letter mark
      'a\u0000b',
      'a\tb',
      'a\nb',
      'a\u0085b', // next line (C1 control)
      'a\u3164b', // hangul filler
      'a\u180eb', // mongolian vowel separator
      'tag\u{e0041}', // tag character
      'a\ue000b', // private use
      'a\u0378b', // unassigned
    ];
    for (const [i, name] of refused.entries()) {
      const res = await t.gql(ADD, { target: animal.id, names: ['fine', name] }, { token: grace.token });
      expect(errorCodes(res), `${i}: ${JSON.stringify(name)}`).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].extensions!.argumentName).toBe('names[1]');
      expect(res.errors![0].message).toMatch(/invisible, control or unassigned character \(U\+[0-9A-F]{4,6} at character \d+\)/);
    }
    expect(await t.sql(`select 1 from tag where name = 'fine'`)).toEqual([]);
    const merge = await t.gql('mutation { mergeTags(from: ["fine"], into: "a\\u200bb") { merged } }', {}, { token: ada.token });
    expect(merge.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'into' });
    // Variation selectors (emoji presentation) are allowed; the key ignores them.
    const emoji = await t.gql(ADD, { target: animal.id, names: ['love ❤\ufe0f', 'LOVE ❤'] }, { token: grace.token });
    expect(emoji.data.addTags.changed).toEqual(['love ❤\ufe0f']);
  });

  it('refuses lookups longer than 200 characters with BAD_USER_INPUT', async () => {
    const long = 'x'.repeat(201);
    const res = await t.gql('query($n: String!) { tag(name: $n) { id } }', { n: long });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'name' });
    const tagged = await t.gql('query($tagged: [String!]) { fixtureAnimals(tagged: $tagged) { edges { cursor } } }', { tagged: ['ok', long] });
    expect(tagged.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'tagged[1]' });
  });

  it('pages tags whose key is much longer than the name (NFKC expands U+FDFA to 18 characters)', async () => {
    const animal = await createContent(t, grace.token, 'FixtureAnimal', { name: 'Long keys' });
    const names = ['\ufdfa'.repeat(50), `${'\ufdfa'.repeat(49)}x`];
    expect((await t.gql(ADD, { target: animal.id, names }, { token: grace.token })).errors).toBeUndefined();
    const page = 'query($p: String, $after: String) { tags(prefix: $p, first: 1, after: $after) { edges { node { name } } pageInfo { endCursor } } }';
    const first = await t.gql(page, { p: '\ufdfa'.repeat(10) });
    const second = await t.gql(page, { p: '\ufdfa'.repeat(10), after: first.data.tags.pageInfo.endCursor });
    expect(second.errors).toBeUndefined();
    expect([first.data.tags.edges[0].node.name, second.data.tags.edges[0].node.name].sort()).toEqual([...names].sort());
  });

  it('lets no writer create a second tag with the same key, raw SQL included', async () => {
    await t.sql(`insert into tag (name, slug) values ('Weiß', 'weiss-raw')`);
    for (const name of ['WEISS', 'weiss', 'WEIẞ', 'wei\u00df\u200b', ' Weiß ']) {
      await expect(t.sql(`insert into tag (name, slug) values (?, ?)`, [name, `raw-${Math.random()}`]), name).rejects.toThrow(/tag_name_key_unique/);
    }
    await t.sql(`insert into tag (name, slug) values ('Schwarz', 'schwarz-raw')`);
    await expect(t.sql(`update tag set name = 'WEISS' where name = 'Schwarz'`)).rejects.toThrow(/tag_name_key_unique/);
    // The key is generated by the database: a writer cannot set it.
    await expect(t.sql(`insert into tag (name, slug, name_key) values ('Grau', 'grau-raw', 'not-the-key')`)).rejects.toThrow(/name_key/);
    await expect(t.sql(`update tag set name_key = 'weiss2' where name = 'Weiß'`)).rejects.toThrow(/name_key/);
    // Not even with triggers off (a restore): the key is a generated column, not a trigger.
    const conn = rootEm(t.server.orm);
    await expect(
      conn.transactional(async (tx) => {
        await tx.execute(`set local session_replication_role = replica`);
        await tx.execute(`insert into tag (name, slug) values ('WEISS', 'weiss-replica')`);
      }),
    ).rejects.toThrow(/tag_name_key_unique/);
  });
});
