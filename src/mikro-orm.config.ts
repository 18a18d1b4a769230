/**
 * The MikroORM CLI's configuration (`npx mikro-orm …`): the same options the
 * server, the tests and `npm run migration:*` use (src/server/orm.ts), for
 * the embedded database in DATA_DIR or DATABASE_URL.
 *
 * Create migrations with `npm run migration:create`, not with the MikroORM
 * CLI: only ours adds the integrity-trigger changes the registry needs
 * (`npm run migration:check` fails otherwise).
 */
import 'reflect-metadata';
import { loadCommandConfig } from './server/config.js';
import { acquireDataDirLock } from './server/data-dir-lock.js';
import { createOrmOptions } from './server/orm.js';

const config = loadCommandConfig();
// The embedded database must not be opened by two processes at once.
if (!config.databaseUrl) acquireDataDirLock(config.dataDir);

export default createOrmOptions(config);
