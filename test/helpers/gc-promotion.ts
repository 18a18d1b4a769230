import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Promotion {
  /** Bytes the young-generation collections (scavenges) promoted to the old generation, in all. */
  promoted: number;
  /** Scavenges that ran. */
  scavenges: number;
  /** What the script printed on its last line (its own figures). */
  result: string;
}

/**
 * Runs `script` (a file of test/fixtures/gc, TypeScript through tsx) in a
 * Node process of its own with a 1 MB young generation and V8's GC trace
 * (`--trace-gc-nvp`), and adds up what the scavenges promoted: bytes, not
 * time, so the figure depends on what the code keeps alive, not on the
 * machine. Garbage that is promoted survived two young collections because
 * something in the old generation pointed at it.
 */
export function gcPromotion(script: string, args: string[]): Promise<Promotion> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--trace-gc-nvp', '--max-semi-space-size=1', '--min-semi-space-size=1', '--import', 'tsx', path.join(ROOT, 'test/fixtures/gc', script), ...args],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${script} failed: ${error.message}\n${stderr.slice(-4000)}`));
        let promoted = 0;
        let scavenges = 0;
        for (const line of stdout.split('\n')) {
          if (!/\bgc=s\b/.test(line)) continue;
          scavenges++;
          promoted += Number(/\bpromoted=(\d+)/.exec(line)?.[1] ?? 0);
        }
        const lines = stdout.split('\n').filter((line) => line.trim() && !/\bgc=/.test(line) && !line.startsWith('['));
        resolve({ promoted, scavenges, result: lines.at(-1) ?? '' });
      },
    );
  });
}
