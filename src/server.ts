/**
 * Entry point: `npm start`. Serves GraphQL on http://localhost:4000/graphql
 * (embedded PGlite in ./data, or DATABASE_URL) and shuts down gracefully on
 * SIGINT/SIGTERM.
 */
import 'reflect-metadata';
import { loadConfig } from './server/config.js';
import { startServer } from './server/start.js';

const config = loadConfig();
try {
  const server = await startServer(config);
  const db = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
  if (server.startup.migrations.length) console.log(`Applied migrations: ${server.startup.migrations.join(', ')}`);
  if (server.startup.seeded) console.log('Loaded demo data into the empty database.');
  console.log(`contentgraph ready at ${server.url} on ${db}${config.development ? ' (open it in a browser for Apollo Sandbox)' : ''}`);
  let firstSignalAt = 0;
  const shutdown = (signal: string) => {
    // Ctrl-C reaches npm, tsx and this process alike, and tsx forwards it: the
    // same press can arrive twice. Only a signal a while after the first forces an exit.
    if (firstSignalAt) {
      if (Date.now() - firstSignalAt < 2000) return;
      console.error(`${signal} again: exiting without waiting for the database to close.`);
      process.exit(1);
    }
    firstSignalAt = Date.now();
    console.log(`${signal} received: finishing in-flight requests, then closing the database…`);
    server.stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
