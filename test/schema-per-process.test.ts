import type { GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildAppSchema } from '../src/app/schema.js';
import { FixtureVegetable } from './fixtures/core.entities.js';
import { createCoreRegistry } from './fixtures/core.registry.js';
import { testApp } from './helpers/database.js';
import { startTestServer } from './helpers/server.js';

/**
 * type-graphql's metadata is global, so a process builds one GraphQL schema
 * and serves one registry. Asked for the schema of another registry, it
 * refuses instead of answering with the first one: that is also what keeps
 * test files of different apps out of one shared test process
 * (test/setup/test-projects.ts).
 */
describe('one schema per process', () => {
  // FixtureVegetable without the activity relation: another schema (no `activity` field on it).
  const variant = () => createCoreRegistry({ typeOptions: [[FixtureVegetable, { relations: { except: ['activity'] } }]] });

  it('answers every registry of the same shape with the one schema, and refuses another shape', async () => {
    const schema = await buildAppSchema(testApp('core').registry);
    expect(await buildAppSchema(createCoreRegistry())).toBe(schema);

    expect(() => buildAppSchema(variant())).toThrow(/built its schema for another registry .*FixtureVegetable\(activity comments .*not for .*FixtureVegetable\(comments fixture_hold/);
    // The refusal changed nothing: the first registry's schema is still the one.
    expect(await buildAppSchema(createCoreRegistry())).toBe(schema);
    expect(Object.keys((schema.getType('FixtureVegetable') as GraphQLObjectType).getFields())).toContain('activity');
  });

  it('refuses a test server of another registry, saying what a test file does about it', async () => {
    await buildAppSchema(testApp('core').registry);
    await expect(startTestServer({}, { app: 'core', registry: variant() })).rejects.toThrow(/another registry.*needs a line "\/\/ @own-process: <why>"/);
  });
});
