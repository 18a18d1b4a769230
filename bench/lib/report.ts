import { machineLoad } from './machine.js';

/** Output of the bench: plain text, one block per figure set, each with the machine's load. */
export const report = {
  heading(title: string): void {
    console.log(`\n== ${title}`);
  },
  /** The machine's load now: print it before (and with) each figure set. */
  load(): void {
    console.log(`   (${machineLoad()})`);
  },
  line(text: string): void {
    console.log(`   ${text}`);
  },
  /** A table with right-aligned columns after the first. */
  table(headers: string[], rows: (string | number)[][]): void {
    const cells = [headers, ...rows.map((row) => row.map(String))];
    const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
    for (const row of cells) {
      console.log(`   ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')}`);
    }
  },
};

export const ms = (value: number | undefined) => (value === undefined ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1));
export const ratio = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '-');
export const mib = (value: number) => `${value.toFixed(0)} MiB`;
export const rate = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
