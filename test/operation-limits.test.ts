// @database-independent
import fs from 'node:fs';
import path from 'node:path';
import {
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  getIntrospectionQuery,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  parse,
  typeFromAST,
  validate,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/server/project-root.js';
import { createAppRegistry } from '../src/app/registry.js';
import { buildAppSchema } from '../src/app/schema.js';
import { MAX_PAGE_SIZE } from '../src/generic/connection.js';
import { loadConfig } from '../src/server/config.js';
import { analyzeOperation, OperationCostMemo, type OperationLimits } from '../src/server/pipeline/operation-cost.js';
import { aliasQuery, deepQuery } from './helpers/attacks.js';

const defaults = loadConfig({}).limits;
const unlimited: OperationLimits = { maxCost: Infinity, maxDepth: Infinity, maxAliases: Infinity, maxFields: Infinity, maxTokens: Infinity };

/** Every operation a client of this repository sends: client/operations, the README's examples, the benchmark's queries. */
function knownDocuments(): { name: string; source: string }[] {
  const dir = path.join(PROJECT_ROOT, 'client/operations');
  const files = fs.readdirSync(dir).filter((file) => file.endsWith('.graphql'));
  const all = files.map((file) => fs.readFileSync(path.join(dir, file), 'utf8')).join('\n');
  const documents = [{ name: 'client/operations', source: all }];
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  for (const [i, block] of [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].entries()) documents.push({ name: `README block ${i + 1}`, source: block[1] });
  for (const file of fs.readdirSync(path.join(PROJECT_ROOT, 'bench')).filter((f) => f.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, 'bench', file), 'utf8');
    for (const [i, literal] of [...text.matchAll(/`(\s*(?:query|mutation|\{)[\s\S]*?)`/g)].entries()) {
      if (!literal[1].includes('${')) documents.push({ name: `bench/${file} query ${i + 1}`, source: literal[1] });
    }
  }
  return documents;
}

/** Values for an operation's variables, every page size at its maximum (the worst a client may send). */
function worstVariables(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): Record<string, unknown> {
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === operationName);
  const variables: Record<string, unknown> = {};
  for (const definition of operation && 'variableDefinitions' in operation ? (operation.variableDefinitions ?? []) : []) {
    const type = typeFromAST(schema, definition.type as never) as GraphQLInputType;
    variables[definition.variable.name.value] = valueFor(definition.variable.name.value, type);
  }
  return variables;
}

function valueFor(name: string, type: GraphQLInputType): unknown {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return Array.from({ length: MAX_PAGE_SIZE }, () => valueFor(name, inner.ofType));
  if (isInputObjectType(inner)) {
    const fields = Object.values(inner.getFields());
    if (inner.isOneOf) return { [fields[0].name]: valueFor(fields[0].name, fields[0].type) };
    return Object.fromEntries(fields.filter((f) => isNonNullType(f.type)).map((f) => [f.name, valueFor(f.name, f.type)]));
  }
  const scalar = getNamedType(inner).name;
  if (scalar === 'Int') return name === 'first' ? MAX_PAGE_SIZE : 1;
  if (scalar === 'Boolean') return true;
  if (scalar === 'JSON') return {};
  if (scalar === 'UUID') return '3f2c0d6e-9b1a-4c55-8e2f-0a1b2c3d4e5f';
  return 'x';
}

describe('operation limits', () => {
  // The demo application's schema (its client operations are measured below); the unit cases use only
  // what every application has (`users`, User, Tag), so that they survive a change of the demo's types.
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildAppSchema(createAppRegistry());
  });
  const measure = (source: string, limits = unlimited, variables: Record<string, unknown> = {}) =>
    analyzeOperation(schema, parse(source), { variables }, limits);

  it('lets every operation of client/operations, the README and the benchmark through the defaults, with page sizes at their maximum', () => {
    const documents = knownDocuments();
    expect(documents.some((d) => d.name.startsWith('bench/'))).toBe(true);
    expect(documents.some((d) => d.name.startsWith('README'))).toBe(true);
    let operations = 0;
    for (const { name, source } of documents) {
      const document = parse(source, { maxTokens: defaults.maxTokens });
      expect(validate(schema, document), name).toEqual([]);
      for (const definition of document.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        const operationName = definition.name?.value;
        const variables = worstVariables(schema, document, operationName);
        const cost = analyzeOperation(schema, document, { operationName, variables }, defaults);
        expect(cost.cost, `${name} ${operationName}`).toBeGreaterThan(0);
        operations++;
      }
    }
    expect(operations).toBeGreaterThan(20);
  });

  it('lets the introspection query of Apollo Sandbox and codegen tools through', () => {
    const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true });
    const cost = analyzeOperation(schema, parse(query, { maxTokens: defaults.maxTokens }), {}, defaults);
    expect(cost.cost).toBeGreaterThan(1000);
  });

  it('refuses the attacks of issue 7 on the defaults', () => {
    for (const source of [deepQuery(3), deepQuery(30), aliasQuery(200), aliasQuery(1000)]) {
      expect(() => analyzeOperation(schema, parse(source), {}, defaults)).toThrow(/too complex/);
    }
  });

  it('multiplies nested lists by their page size (default 20) and counts edges once', () => {
    expect(measure('{ users(first: 10) { edges { node { id } } } }').cost).toBe(10 * 3);
    expect(measure('{ users { edges { node { id } } } }').cost).toBe(20 * 3);
    expect(measure('{ users(first: 10) { edges { node { comments(first: 5) { edges { node { body } } } } } } }').cost).toBe(10 * (3 + 5 * 3));
    expect(measure('{ users(first: 0) { edges { node { id } } } }').cost).toBe(0);
    expect(measure('{ users(first: 10) { pageInfo { hasNextPage } } }').cost).toBe(10 * 2);
  });

  it('multiplies a list without `first` by its list argument, or by the bound it declares (`tags`: 50 per object)', () => {
    expect(measure('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', unlimited, { ids: ['a', 'b', 'c'] }).cost).toBe(3);
    expect(measure('{ users(first: 1) { edges { node { tags { name } } } } }').cost).toBe(1 * (1 + 1 + 1 + 50));
  });

  it('charges a mutation field for its write', () => {
    expect(measure('mutation { deleteComment(id: "x") { deletedId } }').cost).toBe(10 + 1);
  });

  it('takes the costliest member of a union or interface, not their sum', () => {
    const tagItems = '... on Tag { items(first: 5) { edges { node { ... on Node { id } } } } }';
    expect(measure(`{ node(id: "x") { ${tagItems} } }`).cost).toBeGreaterThan(1);
    const cost = measure(`{ node(id: "x") { ... on User { comments(first: 10) { edges { node { body } } } } ${tagItems} } }`).cost;
    expect(cost).toBe(1 + 10 * 3);
  });

  it('skips what @skip/@include leave out of the cost (but not out of the depth)', () => {
    const source = 'query($big: Boolean!) { users(first: 100) @include(if: $big) { edges { node { id } } } health { ok } }';
    expect(measure(source, unlimited, { big: false }).cost).toBe(1);
    expect(measure(source, unlimited, { big: true }).cost).toBe(301);
  });

  it('measures depth without counting fragments as levels, aliases and fields with fragments expanded', () => {
    const source = '{ a: users { edges { node { ...F } } } b: users { edges { node { ...F } } } } fragment F on User { x: id tags { name } }';
    expect(measure(source)).toMatchObject({ depth: 5, aliases: 4, fields: 2 * (3 + 3) });
  });

  it('refuses each limit on its own with the measured value, the limit and advice', () => {
    const limits = { ...unlimited, maxDepth: 3 };
    expect(() => measure('{ users { edges { node { id } } } }', limits)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX', limit: 'depth', measured: 4, maximum: 3 }) }),
    );
    expect(() => measure('{ a: health { ok } b: health { ok } }', { ...unlimited, maxAliases: 1 })).toThrow(/aliases is 2, the limit is 1\. Use fewer aliases/);
    expect(() => measure('{ health { ok database latencyMs } }', { ...unlimited, maxFields: 3 })).toThrow(/fields is 4, the limit is 3/);
    expect(() => measure('{ users { edges { node { id } } } }', { ...unlimited, maxCost: 59 })).toThrow(/cost is 60, the limit is 59\. Ask for smaller pages/);
  });

  it('leaves invalid variables to execution, which refuses them before any resolver runs', () => {
    expect(measure('query($n: Int) { users(first: $n) { edges { node { id } } } }', unlimited, { n: 'many' }).cost).toBe(0);
  });

  it('measures a fragment that doubles at every level in linear time', () => {
    let source = 'query { ...F0 }';
    for (let i = 0; i < 60; i++) source += ` fragment F${i} on Query { health { ok } ...F${i + 1} ...F${i + 1} }`;
    source += ' fragment F60 on Query { health { ok } }';
    expect(() => measure(source, defaults)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ limit: 'fields' }) }));
  });

  describe('the memo of measurements (one measurement per document, operation and variables)', () => {
    const source = 'query Ids($ids: [ID!]!) { nodes(ids: $ids) { id } } query Users($n: Int) { users(first: $n) { edges { node { id } } } }';

    it('measures a repeated request once, and each operation name and each set of variables apart', () => {
      const memo = new OperationCostMemo(schema, defaults);
      const document = parse(source);
      const three = memo.analyze(document, { operationName: 'Ids', variables: { ids: ['a', 'b', 'c'] } });
      expect(memo.analyze(document, { operationName: 'Ids', variables: { ids: ['a', 'b', 'c'] } })).toBe(three);
      expect(Object.isFrozen(three)).toBe(true);
      expect(three).toEqual(analyzeOperation(schema, document, { operationName: 'Ids', variables: { ids: ['a', 'b', 'c'] } }, defaults));
      expect(memo.analyze(document, { operationName: 'Ids', variables: { ids: ['a', 'b', 'c', 'd', 'e'] } }).cost).toBe(5);
      expect(memo.analyze(document, { operationName: 'Users', variables: { n: 7 } }).cost).toBe(7 * 3);
      expect(memo.analyze(document, { operationName: 'Users', variables: { n: 9 } }).cost).toBe(9 * 3);
      // Another parse of the same text is another document: measured again, to the same figures.
      const again = memo.analyze(parse(source), { operationName: 'Ids', variables: { ids: ['a', 'b', 'c'] } });
      expect(again).not.toBe(three);
      expect(again).toEqual(three);
    });

    it('refuses an operation over a limit every time it comes (a refusal is never kept)', () => {
      const memo = new OperationCostMemo(schema, { ...defaults, maxCost: 10 });
      const document = parse(source);
      for (let i = 0; i < 3; i++) expect(() => memo.analyze(document, { operationName: 'Users', variables: { n: 50 } })).toThrow(/too complex/);
      expect(memo.analyze(document, { operationName: 'Users', variables: { n: 3 } }).cost).toBe(9);
      expect(() => memo.analyze(document, { operationName: 'Users', variables: { n: 50 } })).toThrow(/too complex/);
    });

    it('stays right under variables a hostile client varies: huge, many variants, odd keys', () => {
      const memo = new OperationCostMemo(schema, defaults);
      const document = parse(source);
      // Over 1 KB of variables: measured each time, never kept, still right.
      const many = Array.from({ length: 90 }, (_, i) => `id-${i}-${'x'.repeat(10)}`);
      expect(memo.analyze(document, { operationName: 'Ids', variables: { ids: many } }).cost).toBe(90);
      expect(memo.analyze(document, { operationName: 'Ids', variables: { ids: many } })).not.toBe(memo.analyze(document, { operationName: 'Ids', variables: { ids: many } }));
      // More variants than a document keeps: the oldest are dropped, every answer stays right.
      for (let round = 0; round < 2; round++) {
        for (let n = 1; n <= 100; n++) expect(memo.analyze(document, { operationName: 'Users', variables: { n } }).cost).toBe(n * 3);
      }
      // Keys that look like separators or prototypes are data, not structure.
      expect(memo.analyze(document, { operationName: 'Ids', variables: { ids: ['\u0000Users', '__proto__'] } }).cost).toBe(2);
      expect(memo.analyze(document, { operationName: 'Users\u0000', variables: { n: 2 } }).cost).toBe(0);
    });

    it('never lets a request that names no operation (empty, unknown) stand for one that does: the limits still apply', async () => {
      const memo = new OperationCostMemo(schema, { ...defaults, maxDepth: 3 });
      const deep = parse('{ users(first: 1) { edges { node { comments(first: 1) { edges { node { body } } } } } } }');
      const anonymous = parse('query Ids($ids: [ID!]!) { nodes(ids: $ids) { id } }');
      for (const operationName of ['', 'Nope', '\u0000']) {
        // No such operation: measured as nothing (execution refuses it), and not kept under any key.
        expect(memo.analyze(deep, { operationName, variables: {} }).cost).toBe(0);
        expect(() => memo.analyze(deep, { variables: {} })).toThrow(/too complex: its depth/);
        expect(() => memo.analyze(deep, { operationName: null, variables: {} })).toThrow(/too complex: its depth/);
      }
      // The only operation of a document, named or not, is the same operation: one measurement.
      const named = memo.analyze(anonymous, { operationName: 'Ids', variables: { ids: ['a'] } });
      expect(memo.analyze(anonymous, { variables: { ids: ['a'] } })).toBe(named);
    });
  });
});
