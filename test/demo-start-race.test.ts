import { describe, expect, it } from 'vitest';
import { rootEm } from '../src/server/orm.js';
import { startServer } from '../src/server/start.js';
import { createEmptyDatabase, onPostgres } from './helpers/database.js';

/** The demo application started twice at once on an empty database (its registry, its migrations, its demo data). */
describe('two demo servers starting at once (postgresql)', () => {
  it.skipIf(!onPostgres)(
    'starts two whole demo servers at once on one empty database: both succeed, migrations and demo data happen once',
    async () => {
      const db = await createEmptyDatabase();
      try {
        const config = { ...db.config, seedDemoData: true };
        const servers = await Promise.all([startServer(config), startServer(config)]);
        try {
          const applied = servers.map((s) => s.startup.migrations.length).sort();
          expect(applied[0]).toBe(0);
          expect(applied[1]).toBeGreaterThan(0);
          expect(servers.filter((s) => s.startup.seeded)).toHaveLength(1);
          const types = servers[0].registry.types().length;
          const sql = (query: string) => rootEm(servers[0].orm).getConnection().execute<{ n: number }[]>(query);
          expect(Number((await sql('select count(*) as n from mikro_orm_migrations'))[0].n)).toBe(applied[1]);
          expect(Number((await sql('select count(*) as n from content_type'))[0].n)).toBe(types);
          expect(Number((await sql('select count(*) as n from "user"'))[0].n)).toBe(3);
          for (const s of servers) {
            const response = await fetch(s.url, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ query: '{ contentTypes { appLabel model } }' }),
            });
            expect(((await response.json()) as any).data.contentTypes).toHaveLength(types);
          }
        } finally {
          await Promise.all(servers.map((s) => s.stop()));
        }
      } finally {
        await db.drop();
      }
    },
  );
});
