// @database-independent
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/server/project-root.js';
import { applyDocBlocks, docBlocks } from './helpers/doc-blocks.js';

/**
 * The walkthroughs of docs/extending.md are complete: their files (imports
 * included) and their one-line registrations type-check where the docs put
 * them, against the current code. (scripts/check-extending.ts, run by CI,
 * goes further: it applies them to a copy of the project and runs the
 * migrations, the schema, the type check and the core tests there.)
 */
describe('docs/extending.md', () => {
  const blocks = docBlocks(path.join(PROJECT_ROOT, 'docs/extending.md'));

  it('has a file and a registration line for a content type and for a generic relation', () => {
    expect(blocks.map((b) => `${b.kind} ${b.path}`)).toEqual([
      'file src/domain/podcast/podcast.entity.ts',
      'append src/domain/index.ts',
      'file src/domain/bookmark/bookmark.entity.ts',
      'append src/domain/index.ts',
    ]);
  });

  it('type-checks its code blocks in place, imports included', () => {
    const files = applyDocBlocks(PROJECT_ROOT, blocks);
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(PROJECT_ROOT, 'tsconfig.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    })!;
    const host = ts.createCompilerHost(parsed.options);
    const { fileExists, readFile, getSourceFile } = host;
    const directories = new Set([...files.keys()].map((file) => path.dirname(file)));
    host.directoryExists = (dir) => directories.has(path.resolve(dir)) || ts.sys.directoryExists(dir);
    host.fileExists = (file) => files.has(path.resolve(file)) || fileExists(file);
    host.readFile = (file) => files.get(path.resolve(file)) ?? readFile(file);
    host.getSourceFile = (file, language, onError) => {
      const text = files.get(path.resolve(file));
      return text === undefined ? getSourceFile(file, language, onError) : ts.createSourceFile(file, text, language);
    };
    const program = ts.createProgram({ rootNames: [...files.keys()], options: { ...parsed.options, noEmit: true }, host });
    const diagnostics = [...files.keys()].flatMap((file) => ts.getPreEmitDiagnostics(program, program.getSourceFile(file)));
    expect(diagnostics.map((d) => `${d.file ? path.relative(PROJECT_ROOT, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)).toEqual([]);
  }, 120_000);
});
