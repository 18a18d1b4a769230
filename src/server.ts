/**
 * Entry point: `npm start`. Serves GraphQL on http://localhost:4000/graphql
 * (embedded PGlite in ./data, or DATABASE_URL, then from WORKERS processes)
 * and shuts down gracefully on SIGINT/SIGTERM. Exits 1 with a message when start-up fails (for example a
 * content-type check `contenttypes.E00x`, or a data directory in use).
 */
import 'reflect-metadata';
import { loadConfig } from './server/config.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
// Loaded once the configuration is known to be good: a bad value is refused in a fraction of a second,
// before the server's modules (ORM, schema, Apollo) are.
const { serve } = await import('./server/serve.js');
await serve(config);
