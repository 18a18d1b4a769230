import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { type WritableField, writableFields } from '../src/content/content-crud.input.js';
import { validateContentInput } from '../src/content/content-crud.service.js';
import { Range } from '../src/content/range.decorator.js';
import type { RegisteredContentType } from '../src/generic/content-type.registry.js';
import { createTestUser, errorCodes, type TestUser } from './helpers/accounts.js';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** A fixture with the column types the demo types lack. */
@ObjectType('Gem')
@Entity({ tableName: 'fixture_gem' })
class Gem {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Field(() => Int)
  @Property({ type: 'smallint' })
  hardness!: number;

  @Field(() => Int)
  @Range({ min: 1, max: 10 })
  @Property({ type: 'smallint' })
  mohs!: number;

  @Field(() => Float)
  @Property({ type: 'float' })
  carats!: number;

  @Field(() => Float)
  @Property({ type: 'decimal', precision: 6, scale: 2 })
  price!: number;
}

describe('input domains from entity metadata', () => {
  const fields = Object.fromEntries(writableFields(Gem).map((f) => [f.name, f]));
  const check = (input: Record<string, unknown>) => () => validateContentInput(Object.values(fields), input);

  it('derives each numeric field’s domain from its column type and declared range', () => {
    expect(fields.hardness).toMatchObject({ integer: true, min: -32768, max: 32767 });
    expect(fields.mohs).toMatchObject({ integer: true, min: 1, max: 10 });
    expect(fields.carats).toMatchObject({ min: -3.4028234663852886e38, max: 3.4028234663852886e38 });
    expect(fields.price.max).toBeCloseTo(9999.99);
  });

  it('refuses values outside the domain with BAD_USER_INPUT naming the field', () => {
    for (const [input, argumentName] of [
      [{ hardness: 40000 }, 'input.hardness'],
      [{ hardness: -32769 }, 'input.hardness'],
      [{ hardness: 1.5 }, 'input.hardness'],
      [{ mohs: 0 }, 'input.mohs'],
      [{ mohs: 11 }, 'input.mohs'],
      [{ carats: 1e39 }, 'input.carats'],
      [{ price: 10000 }, 'input.price'],
    ] as const) {
      expect(check(input)).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', argumentName } }));
    }
    expect(check({ hardness: 32767, mohs: 10, carats: 0.5, price: 9999.99 })()).toEqual({ hardness: 32767, mohs: 10, carats: 0.5, price: 9999.99 });
  });
});

/** A value of a field that the database takes (unique strings: `sku`). */
function validValue(field: WritableField, n: number): unknown {
  if (field.scalar === 'String') return `v${n}`.slice(0, field.maxLength ?? 20);
  if (field.scalar === 'Boolean') return false;
  return Math.max(field.min ?? 0, Math.min(field.max ?? 0, field.min !== undefined && field.min > 0 ? field.min : 0));
}

const INT32 = [-2147483648, 2147483647];

describe(`input domains of every content type with create/update mutations (${databaseKind})`, () => {
  let t: TestServer;
  let user: TestUser;
  let types: { type: RegisteredContentType; fields: WritableField[] }[];
  let serial = 0;
  const baseInput = (fields: WritableField[]) => Object.fromEntries(fields.filter((f) => f.required).map((f) => [f.name, validValue(f, ++serial)]));
  const create = (typeName: string, input: Record<string, unknown>) =>
    t.gql(`mutation($input: Create${typeName}Input!) { o: create${typeName}(input: $input) { id } }`, { input }, { token: user.token });
  const update = (typeName: string, id: string, input: Record<string, unknown>) =>
    t.gql(`mutation($id: ID!, $input: Update${typeName}Input!) { o: update${typeName}(id: $id, input: $input) { id } }`, { id, input }, { token: user.token });

  /** Out-of-domain values GraphQL itself lets through (an Int is 32-bit): just outside, and far outside. */
  const outside = (field: WritableField): number[] => {
    const values: number[] = [];
    if (field.max !== undefined) values.push(field.integer ? field.max + 1 : field.max * 2 + 1, INT32[1]);
    if (field.min !== undefined) values.push(field.integer ? field.min - 1 : field.min * 2 - 1, INT32[0]);
    return values.filter((v) => field.scalar !== 'Int' || (v >= INT32[0] && v <= INT32[1])).filter((v) => v > (field.max ?? Infinity) || v < (field.min ?? -Infinity));
  };

  beforeAll(async () => {
    t = await startTestServer();
    user = await createTestUser(t, 'domains');
    const mutations = new Set<string>(
      (await t.gql('{ __schema { mutationType { fields { name } } } }')).data.__schema.mutationType.fields.map((f: { name: string }) => f.name),
    );
    types = t.server.registry
      .types()
      .filter((type) => mutations.has(`create${type.typeName}`))
      .map((type) => ({ type, fields: writableFields(type.cls) }));
  });
  afterAll(() => t?.stop());

  it('has content types with numeric fields of a declared range to check', () => {
    expect(types.length).toBeGreaterThan(0);
    expect(types.some(({ fields }) => fields.some((f) => f.min !== undefined && f.min > INT32[0]))).toBe(true);
  });

  it('refuses out-of-range numbers and too long strings on create and update with BAD_USER_INPUT naming the field; writes nothing', async () => {
    for (const { type, fields } of types) {
      const existing = await create(type.typeName, baseInput(fields));
      expect(existing.errors, type.typeName).toBeUndefined();
      const [before] = await t.sql<{ n: number }>(`select count(*)::int as n from activity_entry`);
      for (const field of fields) {
        const bad: unknown[] = field.scalar === 'String' && field.maxLength ? ['x'.repeat(field.maxLength + 1)] : outside(field);
        for (const value of bad) {
          const label = `${type.typeName}.${field.name} = ${String(value).slice(0, 20)}`;
          for (const res of [await create(type.typeName, { ...baseInput(fields), [field.name]: value }), await update(type.typeName, existing.data.o.id, { [field.name]: value })]) {
            expect(errorCodes(res), label).toEqual(['BAD_USER_INPUT']);
            expect(res.errors![0].extensions!.argumentName, label).toBe(`input.${field.name}`);
          }
        }
        // The edges of the domain are accepted.
        for (const value of [field.min, field.max].filter((v) => v !== undefined && (field.scalar !== 'Int' || (v >= INT32[0] && v <= INT32[1])))) {
          const res = await update(type.typeName, existing.data.o.id, { [field.name]: value });
          expect(res.errors, `${type.typeName}.${field.name} = ${value}`).toBeUndefined();
        }
      }
      const [after] = await t.sql<{ n: number }>(`select count(*)::int as n from activity_entry where verb = 'created'`);
      expect(Number(after.n)).toBeLessThanOrEqual(Number(before.n)); // no object created by a refused input
    }
  });

  it('makes the database enforce every declared range too (raw SQL)', async () => {
    let checked = 0;
    for (const { type, fields } of types) {
      const meta = t.server.orm.getMetadata().get(type.cls);
      const existing = await create(type.typeName, baseInput(fields));
      const id = Number((await t.gql('query($id: ID!) { node(id: $id) { databaseId } }', { id: existing.data.o.id })).data.node.databaseId);
      for (const field of fields.filter((f) => f.min !== undefined && f.min > INT32[0])) {
        const column = meta.properties[field.name as never].fieldNames[0];
        await expect(t.sql(`update "${type.tableName}" set "${column}" = ? where "${type.primaryKeyColumn}" = ?`, [field.min! - 1, id])).rejects.toThrow(/check constraint/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
