import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityClass } from '@mikro-orm/core';
import { rowMapper } from '../src/generic/row.mapper.js';
import { rootEm } from '../src/server/orm.js';
import { buildAppSchema } from '../src/app/schema.js';
import { isAbstractType, type GraphQLResolveInfo } from 'graphql';
import { databaseKind } from './helpers/database.js';
import { compareContentObjects, compareEveryEntity } from './helpers/read-model.js';
import { attachEverything, contentTypeIds, CORE_TYPES, createObjects, type ObjectRef } from './fixtures/core.data.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createContent, createTestUser } from './helpers/accounts.js';

/** The read path's read-only objects (src/generic/row.mapper.ts) against the ORM's, on the core test app; the demo's: read-model-demo.test.ts. */
describe(`read-only objects of the read path: the core test app (${databaseKind})`, () => {
  let core: TestServer;

  beforeAll(async () => {
    core = await startTestServer({}, { app: 'core' });
    const cts = await contentTypeIds(core.sql);
    const objects: Record<string, ObjectRef[]> = {};
    for (const type of CORE_TYPES) objects[type] = await createObjects(core.sql, cts, type, 3, `${type} read model`);
    const author = objects.User[0].id as number;
    for (const type of CORE_TYPES) await attachEverything(core.sql, objects[type][0], objects.FixtureAnimal[1], author);
  });
  afterAll(() => core?.stop());

  it('map every entity (integer, bigint, uuid keys, booleans, JSON, dates, references) as the ORM does', async () => {
    expect(await compareEveryEntity(core)).toBeGreaterThanOrEqual(CORE_TYPES.length + 3);
  });

  it('read the targets of every content type in one joined batch (types sharing columns) as the ORM does', async () => {
    expect(await compareContentObjects(core)).toBe(CORE_TYPES.length);
  });

  it('mutation payloads see their own writes: the new comment, its author, the count and page of its target', async () => {
    const writer = await createTestUser(core, 'read-model-writer', { name: 'Read Model Writer' });
    const target = await createContent(core, writer.token, 'FixtureFossil', { name: 'Written and read' });
    const page = `... on Commentable { commentCount comments(first: 100) { edges { node { id body author { name } } } } }`;
    const add = (body: string, extra = '') =>
      core.gql(`mutation($target: ID!, $body: String!) { addComment(target: $target, body: $body) { id body author { name } target { ${page} ${extra} } } }`, { target: target.id, body }, { token: writer.token });
    const first = await add('first');
    expect(first.errors).toBeUndefined();
    expect(first.data.addComment.author.name).toBe('Read Model Writer');
    expect(first.data.addComment.target.commentCount).toBe(1);
    expect(first.data.addComment.target.comments.edges.map((e: any) => e.node.id)).toEqual([first.data.addComment.id]);
    const second = await add('second', '... on Taggable { tags { name } }');
    expect(second.errors).toBeUndefined();
    expect(second.data.addComment.target.commentCount).toBe(2);
    expect(second.data.addComment.target.comments.edges.map((e: any) => [e.node.body, e.node.author.name])).toEqual([
      ['first', 'Read Model Writer'],
      ['second', 'Read Model Writer'],
    ]);
  });

  it('every GraphQL answer says cache-control: no-store (reads are never cached; Apollo cache hints are off)', async () => {
    for (const body of [{ query: '{ activity(first: 1) { edges { node { verb } } } }' }, { query: '{ nope }' }]) {
      const response = await fetch(core.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('resolves ContentObject, ContentNode and every relation interface to a type name without a promise (a feed of 100 entries made 100)', async () => {
    // The schema the core app's server serves (built once per process) and its registry.
    const registry = core.server.registry;
    const schema = await buildAppSchema(registry);
    const contentAbstractTypes = Object.values(schema.getTypeMap())
      .filter(isAbstractType)
      .filter((type) => schema.getPossibleTypes(type).every((member) => registry.byTypeName(member.name)));
    expect(contentAbstractTypes.map((type) => type.name)).toEqual(expect.arrayContaining(['ContentObject', 'ContentNode', 'Taggable', 'Commentable']));
    let resolved = 0;
    for (const type of contentAbstractTypes) {
      for (const member of schema.getPossibleTypes(type)) {
        const value = Object.create(registry.byTypeName(member.name)!.cls.prototype);
        expect(type.resolveType!(value, {}, {} as GraphQLResolveInfo, type), `${type.name} of a ${member.name}`).toBe(member.name);
        resolved++;
      }
      // Not a content object: no type (graphql-js then reports the field's error), still without a promise.
      expect(type.resolveType!({ name: 'plain object' }, {}, {} as GraphQLResolveInfo, type)).toBeUndefined();
    }
    expect(resolved).toBeGreaterThanOrEqual(CORE_TYPES.length * 2);
  });

  it('maps the columns of an outer join that found nothing to null', async () => {
    const em = rootEm(core.server.orm).fork();
    const meta = [...core.server.orm.getMetadata().getAll().values()].find((m) => m.className === 'User')!;
    const mapper = rowMapper(em, meta.class as EntityClass<object>);
    expect(mapper.map(Object.fromEntries(mapper.columns.map((c) => [`x_${c}`, null])), 'x_')).toBeNull();
  });
});

