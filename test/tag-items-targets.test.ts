import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestLoaders } from '../src/generic/request-loaders.js';
import { databaseKind } from './helpers/database.js';
import { contentTypeIds, createObjects, createTags, TAGGABLE_TYPES, tagObjects } from './fixtures/core.data.js';
import { type GraphQLResult, startTestServer, type TestServer } from './helpers/server.js';

/**
 * A tag's items come with their targets in the page statement
 * (`RequestLoaders.targetJoin`); past MAX_JOINED_TARGET_TYPES types (or
 * with column names too long to prefix) the page loads them through
 * `contentObject` instead, one statement more. Both answer the same.
 */
describe(`a tag's items and their targets (${databaseKind})`, () => {
  let t: TestServer;
  const query = `query($after: String, $types: [String!]) { tag(name: "everywhere") { items(first: 7, after: $after, types: $types) {
    edges { cursor node { __typename ... on Node { id } ... on Taggable { tags { name } } } } pageInfo { hasNextPage endCursor } } } }`;

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
    const cts = await contentTypeIds(t.sql);
    const [everywhere, other] = await createTags(t.sql, ['everywhere', 'other']);
    for (const [i, type] of TAGGABLE_TYPES.entries()) {
      const objects = await createObjects(t.sql, cts, type, 4);
      await tagObjects(t.sql, objects, [everywhere, other], (n) => new Date(Date.UTC(2026, 0, 1, 0, i, n)));
    }
  });
  afterAll(() => t?.stop());

  /** Every page of the tag (and its statements), with the join or without it. */
  const allPages = async (variables: Record<string, unknown>) => {
    const pages: { data: unknown; statements: number }[] = [];
    let after: string | null = null;
    do {
      const res: GraphQLResult = await t.gql(query, { ...variables, after });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      pages.push({ data: res.data, statements: res.extensions!.sqlStatements as number });
      after = res.data.tag.items.pageInfo.hasNextPage ? res.data.tag.items.pageInfo.endCursor : null;
    } while (after);
    return pages;
  };

  it('answers the same through contentObject when the join is not available, with one statement more', async () => {
    for (const variables of [{}, { types: ['FixtureAnimal', 'FixtureFossil'] }]) {
      const joined = await allPages(variables);
      const original = RequestLoaders.prototype.targetJoin;
      // The page's join only (contentObject's batches join their targets too): as past MAX_JOINED_TARGET_TYPES types.
      RequestLoaders.prototype.targetJoin = function (this: RequestLoaders, ...args: Parameters<typeof original>) {
        return args[1] === 'p.content_type_id' ? undefined : original.apply(this, args);
      };
      let separate: typeof joined;
      try {
        separate = await allPages(variables);
      } finally {
        RequestLoaders.prototype.targetJoin = original;
      }
      expect(separate.map((p) => p.data)).toEqual(joined.map((p) => p.data));
      const items = joined.flatMap((p) => (p.data as { tag: { items: { edges: unknown[] } } }).tag.items.edges);
      expect(items).toHaveLength(variables.types ? 8 : TAGGABLE_TYPES.length * 4);
      // Joined: the tag, the page (with the targets), the targets' tags; the first page of every type comes with
      // the tag (tagsWithFirstItems). Without the join: the tag, the page, the targets, their tags.
      const firstWithTag = !variables.types;
      expect(joined.map((p) => p.statements)).toEqual(joined.map((_, i) => (i === 0 && firstWithTag ? 2 : 3)));
      expect(separate.map((p) => p.statements)).toEqual(separate.map(() => 4));
    }
  });

  it('drops the edge of a target gone between the page and its probe, and keeps paging', async () => {
    // A target deleted with the integrity triggers off (no cascade): its tagged item stays, the probe finds nothing.
    const cts = await contentTypeIds(t.sql);
    const [gone] = await t.sql<{ object_id: string }>(
      `select ti.object_id from tagged_item ti join tag on tag.id = ti.tag_id where tag.name = 'everywhere' and ti.content_type_id = ? order by ti.created_at desc limit 1`,
      [cts.FixtureAnimal],
    );
    const before = (await allPages({})).flatMap((p) => (p.data as { tag: { items: { edges: { node: { id: string } }[] } } }).tag.items.edges);
    await t.sql(`alter table cg_fixture_animal disable trigger user`);
    try {
      await t.sql(`delete from cg_fixture_animal where id = ?::bigint`, [gone.object_id]);
    } finally {
      await t.sql(`alter table cg_fixture_animal enable trigger user`);
    }
    const after = (await allPages({})).flatMap((p) => (p.data as { tag: { items: { edges: { node: { id: string } }[] } } }).tag.items.edges);
    expect(after).toHaveLength(before.length - 1);
  });
});
