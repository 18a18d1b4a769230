import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { printSchema } from 'graphql';
import { createAppRegistry } from '../app/registry.js';
import { bindWithoutDatabase } from '../app/discover.js';
import { buildAppSchema } from '../app/schema.js';
import { PROJECT_ROOT } from '../server/orm.js';

/** Where the committed SDL lives. */
export const SCHEMA_FILE = path.join(PROJECT_ROOT, 'schema.graphql');

const HEADER = '# Generated from the code by `npm run schema:print`; do not edit. A test fails when this file is stale.\n\n';

/** The SDL of the application's schema, as committed in schema.graphql (sorted, with a header). */
export async function renderSchema(): Promise<string> {
  const registry = createAppRegistry();
  await bindWithoutDatabase(registry);
  const schema = await buildAppSchema(registry);
  return `${HEADER}${printSchema(schema)}\n`;
}

async function main(): Promise<void> {
  const sdl = await renderSchema();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, 'utf8') : '';
    if (current !== sdl) {
      console.error('schema.graphql is stale: run `npm run schema:print` (then `npm run codegen`) and commit the result.');
      process.exit(1);
    }
    console.log('schema.graphql is up to date.');
    return;
  }
  fs.writeFileSync(SCHEMA_FILE, sdl);
  console.log(`Wrote ${path.relative(process.cwd(), SCHEMA_FILE)}.`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
