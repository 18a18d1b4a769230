import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * A compiled `WebAssembly.Module`. TypeScript declares that type only in the
 * DOM library, which this project leaves out (as does `tsconfig.build.json`).
 */
type CompiledWasmModule = object;

export interface PgliteWasmModules {
  pgliteWasmModule: CompiledWasmModule;
  initdbWasmModule: CompiledWasmModule;
}

let compiled: Promise<PgliteWasmModules> | undefined;

/** Node's global `WebAssembly`: TypeScript declares its value only in the DOM library, which this project leaves out. */
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledWasmModule> } }).WebAssembly;

/**
 * PGlite's WebAssembly (PostgreSQL itself and initdb), compiled once per
 * process and handed to every database thread it starts. A
 * `WebAssembly.Module` crosses to a worker thread without being compiled
 * again: the threads share its machine code, and this process keeps it alive.
 *
 * Without this, each opening of the embedded database (the server, every CLI
 * command, every test) compiled about 10 MB of WebAssembly on a new thread and
 * freed it when the thread ended. Besides the time, that compile-and-free churn
 * is what makes V8 crash now and then with SIGSEGV or a failed code-range check
 * (nodejs/node#64500, electric-sql/pglite#1053; docs/embedded.md).
 */
export function pgliteWasmModules(): Promise<PgliteWasmModules> {
  if (!compiled) {
    const attempt = (async () => {
      const dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
      const [pglite, initdb] = await Promise.all(['pglite.wasm', 'initdb.wasm'].map((file) => readFile(join(dist, file))));
      const [pgliteWasmModule, initdbWasmModule] = await Promise.all([wasm.compile(pglite!), wasm.compile(initdb!)]);
      return { pgliteWasmModule: pgliteWasmModule!, initdbWasmModule: initdbWasmModule! };
    })();
    compiled = attempt;
    // A failed compile is not kept: the next opening tries again (only this attempt is forgotten, never a later one).
    attempt.catch(() => {
      if (compiled === attempt) compiled = undefined;
    });
  }
  return compiled;
}
