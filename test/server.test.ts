import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKind } from './helpers/database.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe(`server (${databaseKind})`, () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({}, { app: 'core' });
  });
  afterAll(() => t?.stop());

  it('answers the health query over HTTP', async () => {
    const res = await t.gql('{ health { ok database } }');
    expect(res.status).toBe(200);
    expect(res.data.health).toEqual({ ok: true, database: databaseKind });
  });

  it('lists every registered content type', async () => {
    const res = await t.gql('{ contentTypes { appLabel model } }');
    expect(res.data.contentTypes.map((c: { appLabel: string; model: string }) => `${c.appLabel}.${c.model}`).sort()).toEqual(
      t.server.registry
        .types()
        .map((type) => type.key)
        .sort(),
    );
  });

  it('reports the statement count of a request in extensions', async () => {
    const res = await t.gql('{ health { ok } }');
    expect(res.extensions?.sqlStatements).toBe(1);
  });

  it('keeps nothing between requests: each gets its own EntityManager fork', async () => {
    const rootIdentityMap = () => t.server.orm.em.getUnitOfWork(false).getIdentityMap().keys().length;
    const before = rootIdentityMap();
    for (let i = 0; i < 20; i++) {
      const res = await t.gql('{ contentTypes { id } node(id: "Q29udGVudFR5cGU6MQ") { id } }');
      expect(res.errors).toBeUndefined();
    }
    expect(rootIdentityMap()).toBe(before);
    expect(before).toBe(0);
  });

  it('rejects a malformed request body with a 400 and a code, not a 500', async () => {
    const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});
