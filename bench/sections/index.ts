import type { Section } from '../lib/context.js';
import { bigPages } from './big-pages.js';
import { bulkLoad } from './bulk-load.js';
import { concurrency } from './concurrency.js';
import { fanout } from './fanout.js';
import { floor } from './floor.js';
import { memory } from './memory.js';
import { observability } from './observability.js';
import { readPaths } from './read-paths.js';
import { versus } from './versus.js';
import { workers } from './workers.js';

/** Every section, in the order they run: reads on the base data first, then the bulk load and what needs it, observability (servers of its own), memory last. */
export const SECTIONS: Section[] = [readPaths, floor, versus, concurrency, workers, fanout, bulkLoad, bigPages, observability, memory];
