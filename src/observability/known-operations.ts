import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse } from 'graphql';

/** Where the application's own operations live (codegen.yml's `documents`). */
export const CLIENT_OPERATIONS_DIR = 'client/operations';

/**
 * The names of the operations in `client/operations/**\/*.graphql` (relative
 * to the working directory, the project's root under `npm run …`): the
 * application's own operations, whose metric labels made-up names must not
 * take (metric-labels.ts). Empty when the directory is absent (a deployment
 * that ships only dist/); a file that does not parse is skipped.
 */
export function knownOperationNames(dir = path.resolve(CLIENT_OPERATIONS_DIR)): string[] {
  let files: string[];
  try {
    files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.graphql'));
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const file of files) {
    try {
      for (const definition of parse(fs.readFileSync(path.join(dir, file), 'utf8')).definitions) {
        if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) names.add(definition.name.value);
      }
    } catch {
      // not a document: nothing to reserve from it
    }
  }
  return [...names];
}
