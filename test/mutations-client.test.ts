import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddCommentDocument,
  AddReactionDocument,
  AddTagsDocument,
  CreatePlaceDocument,
  ObjectLinksAndReactionsDocument,
  RemoveReactionDocument,
  SetTagsDocument,
  TagPlaceDocument,
  CreateArticleDocument,
  CreateArticleFromInputDocument,
  DeleteArticleDocument,
  DeleteCommentDocument,
  EditCommentDocument,
  LinkObjectsDocument,
  RecordActivityDocument,
  RemoveTagsDocument,
  RenameArticleDocument,
  TagArticleDocument,
  TagByRefDocument,
  UnlinkObjectsDocument,
  ViewerDocument,
} from '../client/generated/graphql.js';
import { createTestUser, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import type { GraphQLResult } from './helpers/server.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The demo's generated mutation documents (client/operations/mutations.graphql), run over HTTP with a token as a typed client would. */
describe(`generated mutation operations on the demo application (${databaseKind})`, () => {
  let t: TestServer;
  let grace: TestUser;
  const run = async <R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables: V): Promise<R> => {
    const res: GraphQLResult<R> = await t.gql<R>(print(document), variables, { token: grace.token });
    expect(res.errors).toBeUndefined();
    return res.data!;
  };

  beforeAll(async () => {
    t = await startTestServer({}, { app: 'demo' });
    grace = await createTestUser(t, 'grace', { name: 'Grace Hopper' });
  });
  afterAll(() => t?.stop());

  it('runs the whole write API through the typed documents', async () => {
    expect((await run(ViewerDocument, {})).viewer?.username).toBe('grace');
    const { createArticle: article } = await run(CreateArticleDocument, { title: 'Typed', body: 'Client' });
    expect(article.title).toBe('Typed');
    const { updateArticle } = await run(RenameArticleDocument, { id: article.id, title: 'Typed client' });
    expect(updateArticle.title).toBe('Typed client');

    const { addTags } = await run(AddTagsDocument, { target: article.id, names: ['codegen'] });
    expect(addTags.changed).toEqual(['codegen']);
    expect(addTags.target.__typename === 'Article' && addTags.target.title).toBe('Typed client');
    expect((await run(TagArticleDocument, { articleId: Number(article.databaseId), names: ['typescript'] })).addTags.changed).toEqual(['typescript']);
    expect((await run(RemoveTagsDocument, { target: article.id, names: ['typescript'] })).removeTags.tags.map((tag) => tag.name)).toEqual(['codegen']);

    // Input-type variables, as generated clients usually pass them.
    const { createArticle: fromInput } = await run(CreateArticleFromInputDocument, { input: { title: 'From input', body: 'typed input' } });
    expect(fromInput.title).toBe('From input');
    const byRef = await run(TagByRefDocument, { ref: { article: Number(article.databaseId) }, names: ['by-ref'] });
    expect(byRef.addTags.tags.map((tag) => tag.name)).toContain('by-ref');

    const { addComment } = await run(AddCommentDocument, { target: article.id, body: 'Typed all the way' });
    expect(addComment.author.name).toBe('Grace Hopper');
    expect((await run(EditCommentDocument, { id: addComment.id, body: 'Typed, all the way' })).editComment.body).toBe('Typed, all the way');
    expect((await run(DeleteCommentDocument, { id: addComment.id })).deleteComment.deletedId).toBe(addComment.id);

    const { recordActivity } = await run(RecordActivityDocument, { target: article.id, verb: 'viewed', data: { from: 'codegen' } });
    expect(recordActivity).toMatchObject({ verb: 'viewed', objectRepr: 'Typed client', data: { from: 'codegen' } });

    const { linkObjects } = await run(LinkObjectsDocument, { source: article.id, target: grace.globalId, kind: 'written_by', data: { role: 'author' } });
    expect(linkObjects.target?.__typename).toBe('User');
    expect(linkObjects.data).toEqual({ role: 'author' });

    // setTags, reactions, a uuid-keyed type, kind-filtered links
    expect((await run(SetTagsDocument, { target: article.id, names: ['by-ref', 'sets'] })).setTags).toEqual({
      added: ['sets'],
      removed: ['codegen'],
      tags: [{ name: 'by-ref' }, { name: 'sets' }],
    });
    const { createPlace: place } = await run(CreatePlaceDocument, { input: { name: 'Typed place' } });
    expect(place.databaseId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await run(TagPlaceDocument, { placeId: String(place.databaseId), names: ['uuid'] })).addTags.changed).toEqual(['uuid']);
    const { addReaction } = await run(AddReactionDocument, { target: place.id, emoji: '🎉' });
    expect(addReaction).toMatchObject({ changed: true, reaction: { emoji: '🎉', user: { username: 'grace' } } });
    expect(addReaction.target.__typename === 'Place' && addReaction.target.reactionCounts).toEqual([{ emoji: '🎉', count: 1 }]);
    const links = await run(ObjectLinksAndReactionsDocument, { id: article.id, kind: 'written_by' });
    expect(links.node?.__typename === 'Article' && links.node.outgoingLinks.edges.map((e) => e.node.kind)).toEqual(['written_by']);
    const placeView = await run(ObjectLinksAndReactionsDocument, { id: place.id });
    expect(placeView.node?.__typename === 'Place' && placeView.node.reactions.edges.map((e) => e.node.emoji)).toEqual(['🎉']);
    expect((await run(RemoveReactionDocument, { target: place.id, emoji: '🎉' })).removeReaction.changed).toBe(true);
    expect((await run(UnlinkObjectsDocument, { id: linkObjects.id })).unlinkObjects.deletedId).toBe(linkObjects.id);

    expect((await run(DeleteArticleDocument, { id: article.id })).deleteArticle).toEqual({ deletedId: article.id, objectRepr: 'Typed client' });
  });
});
