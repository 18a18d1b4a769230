import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root directory (of the sources, or of `dist/` when compiled). A module of its own: importing it opens nothing. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
