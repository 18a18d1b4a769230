// @database-independent
// @own-process: the schema of the demo app alone (the test helpers load the core fixture types, whose GraphQL metadata is global)
import fs from 'node:fs';
import path from 'node:path';
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/server/project-root.js';
import { renderSchema } from '../src/tools/print-schema.js';
import { createAppRegistry } from '../src/app/registry.js';

describe('schema.graphql and the generated client', () => {
  it('schema.graphql matches the schema built from the code', async () => {
    const committed = fs.readFileSync(path.join(PROJECT_ROOT, 'schema.graphql'), 'utf8');
    // On failure: `npm run schema:print && npm run codegen`, then commit both.
    expect(firstDifference(committed, await renderSchema()), 'schema.graphql is stale: run `npm run schema:print && npm run codegen`').toBeNull();
  });

  it('client/generated matches codegen.yml over schema.graphql and client/operations', async () => {
    const { config } = await loadCodegenConfig({ configFilePath: path.join(PROJECT_ROOT, 'codegen.yml') });
    const outputs = await generate({ ...config, cwd: PROJECT_ROOT, silent: true, verbose: false }, false);
    expect(outputs.map((o: { filename: string }) => path.relative(PROJECT_ROOT, path.resolve(PROJECT_ROOT, o.filename))).sort()).toEqual([
      'client/generated/graphql.ts',
      'client/generated/possible-types.ts',
    ]);
    for (const output of outputs) {
      const committed = fs.readFileSync(path.resolve(PROJECT_ROOT, output.filename), 'utf8');
      expect(firstDifference(committed, output.content), `${output.filename} is stale: run \`npm run codegen\``).toBeNull();
    }
  });

  it('possibleTypes lists every member of ContentObject, of each relation interface, and every Node', async () => {
    const { default: result } = await import('../client/generated/possible-types.js');
    const registry = createAppRegistry();
    const names = (types: readonly { typeName: string }[]) => types.map((type) => type.typeName).sort();
    expect(result.possibleTypes.ContentObject).toEqual(names(registry.types()));
    expect(result.possibleTypes.Taggable).toEqual(names(registry.typesOf('tags')));
    expect(result.possibleTypes.Commentable).toEqual(names(registry.typesOf('comments')));
    expect(result.possibleTypes.Node).toEqual(expect.arrayContaining(['ActivityEntry', 'Comment', 'ContentLink', 'ContentType', 'Tag', ...names(registry.types())]));
  });
});

/** Null when equal, else the first differing line of each text (a readable failure, not a 3000-line diff). */
function firstDifference(committed: string, current: string): { line: number; committed: string; current: string } | null {
  if (committed === current) return null;
  const a = committed.split('\n');
  const b = current.split('\n');
  let i = 0;
  while (i < Math.max(a.length, b.length) && a[i] === b[i]) i++;
  return { line: i + 1, committed: a[i] ?? '<end of file>', current: b[i] ?? '<end of file>' };
}
