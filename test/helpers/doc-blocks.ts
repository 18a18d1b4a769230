import fs from 'node:fs';
import path from 'node:path';

/**
 * The code blocks of a walkthrough in docs/ that say where they go: a fence
 * info string ```` ```ts file=src/domain/x/x.entity.ts ```` (the block is
 * that whole file) or ```` ```ts append=src/domain/index.ts ```` (the block
 * is appended to that file). test/docs.test.ts type-checks them in place;
 * scripts/check-extending.ts writes them into a copy of the project and
 * runs the documented steps.
 */
export interface DocBlock {
  kind: 'file' | 'append';
  /** Path relative to the project root. */
  path: string;
  code: string;
}

export function docBlocks(markdownPath: string): DocBlock[] {
  const text = fs.readFileSync(markdownPath, 'utf8');
  const blocks: DocBlock[] = [];
  const fence = /^```(\w+)[ \t]+(file|append)=(\S+)[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;
  for (const match of text.matchAll(fence)) blocks.push({ kind: match[2] as DocBlock['kind'], path: match[3], code: match[4] });
  return blocks;
}

/** The files the blocks produce from the project at `root`: new files, and existing ones with the lines appended. */
export function applyDocBlocks(root: string, blocks: DocBlock[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const block of blocks) {
    const file = path.join(root, block.path);
    if (block.kind === 'file') {
      files.set(file, block.code);
    } else {
      const current = files.get(file) ?? fs.readFileSync(file, 'utf8');
      files.set(file, `${current.replace(/\n*$/, '\n')}${block.code}`);
    }
  }
  return files;
}
