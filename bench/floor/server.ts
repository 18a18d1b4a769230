/**
 * The floor: the least a Node server on this stack can do to answer the
 * bench's reads. node:http, hand-written SQL (bench/queries.ts) as prepared
 * statements, rows mapped straight to the JSON contentgraph answers, and
 * JSON.stringify. No GraphQL, no ORM, no batching layer, no validation.
 *
 *   GET /feed                   = queries.FEED_QUERY
 *   GET /tag?name=tag-1&first=N = queries.TAG_PAGE_QUERY
 *   GET /object?id=1&first=N    = queries.OBJECT_PAGE_QUERY
 *   GET /tag-items?name=t&first=N = queries.TAG_ITEMS_PAGE_QUERY
 *   GET /comments?id=1&first=N  = queries.COMMENTS_PAGE_QUERY
 *
 * On PostgreSQL (DATABASE_URL) through a pg pool of 10 (as contentgraph's);
 * on PGlite (DATA_DIR) through PGlite in this process, as simply as it gets.
 * Started by `npm run bench`; prints `floor ready at <url>`.
 */
import http from 'node:http';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { loadConfig } from '../../src/server/config.js';
import { acquireDataDirLock } from '../../src/server/data-dir-lock.js';
import { FLOOR_COMMENTS_PAGE_SQL, FLOOR_COMMENTS_SQL, FLOOR_FEED_SQL, FLOOR_OBJECT_SQL, FLOOR_TAG_ID_SQL, FLOOR_TAG_ITEMS_PAGE_SQL, FLOOR_TAG_ITEMS_SQL, FLOOR_TAG_SQL } from '../queries.js';

type Query = (name: string, text: string, values: unknown[]) => Promise<any[]>;

async function connect(): Promise<{ query: Query; close(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
    return { query: async (name, text, values) => (await pool.query({ name, text, values })).rows, close: () => pool.end() };
  }
  const lock = acquireDataDirLock(process.env.DATA_DIR!);
  // The buffer pool the server under test opens the database with (PGLITE_SHARED_BUFFERS_MB).
  const sharedBuffers = ['-c', `shared_buffers=${loadConfig().pgliteSharedBuffersMb}MB`];
  const db = await PGlite.create({ dataDir: path.join(process.env.DATA_DIR!, 'pgdata'), startParams: [...PGlite.defaultStartParams, ...sharedBuffers] });
  return {
    query: async (_name, text, values) => (await db.query<any>(text, values)).rows,
    close: async () => {
      await db.close();
      lock.release();
    },
  };
}

const cursor = (at: string, id: number) => Buffer.from(JSON.stringify([at, id])).toString('base64url');
const typeName = (model: string) => model[0].toUpperCase() + model.slice(1);
const labelField = (model: string) => (model === 'product' || model === 'user' ? 'name' : 'title');

function connection<T>(rows: any[], first: number, node: (row: any) => T, withCursors = false) {
  const page = rows.slice(0, first);
  const last = page.at(-1);
  return {
    edges: page.map((row) => (withCursors ? { cursor: cursor(row.created_at, row.id), node: node(row) } : { node: node(row) })),
    pageInfo: { hasNextPage: rows.length > first, endCursor: last ? cursor(last.created_at, last.id) : null },
  };
}

async function main(): Promise<void> {
  const db = await connect();
  const routes: Record<string, (params: URLSearchParams) => Promise<unknown>> = {
    async '/feed'() {
      const rows = await db.query('feed', FLOOR_FEED_SQL, [101]);
      return {
        activity: connection(rows, 100, (row) => ({
          verb: row.verb,
          objectRepr: row.object_repr,
          createdAt: row.created_at,
          actor: row.actor_name === null ? null : { name: row.actor_name },
          target:
            row.target_id === null
              ? null
              : { __typename: typeName(row.model), tags: (row.tags as string[]).map((name) => ({ name })), [labelField(row.model)]: row.label },
        })),
      };
    },
    async '/tag'(params) {
      const first = Number(params.get('first') ?? 100);
      const [tag] = await db.query('tag', FLOOR_TAG_SQL, [params.get('name')]);
      if (!tag) return { tag: null };
      const rows = await db.query('tag-items', FLOOR_TAG_ITEMS_SQL, [tag.id, first + 1]);
      return {
        tag: {
          name: tag.name,
          itemCount: tag.item_count,
          items: connection(rows, first, (row) => ({ __typename: typeName(row.model), [labelField(row.model)]: row.label, commentCount: row.comment_count })),
        },
      };
    },
    async '/tag-items'(params) {
      const first = Number(params.get('first') ?? 50);
      const [tag] = await db.query('tag-id', FLOOR_TAG_ID_SQL, [params.get('name')]);
      if (!tag) return { tag: null };
      const rows = await db.query('tag-items-page', FLOOR_TAG_ITEMS_PAGE_SQL, [tag.id, first + 1]);
      const globalId = (row: any) => Buffer.from(`${typeName(row.model)}:${row.object_id}`).toString('base64url');
      const items = connection(rows, first, (row) => ({ __typename: typeName(row.model), id: globalId(row) }), true);
      return { tag: { items: { ...items, edges: items.edges.filter((_, i) => rows[i].present) } } };
    },
    async '/comments'(params) {
      const rows = await db.query('comments-page', FLOOR_COMMENTS_PAGE_SQL, [Number(params.get('id')), Number(params.get('first') ?? 20) + 1]);
      return { node: { comments: connection(rows, Number(params.get('first') ?? 20), (row) => ({ body: row.body, createdAt: row.created_at }), true) } };
    },
    async '/object'(params) {
      const id = Number(params.get('id'));
      const first = Number(params.get('first') ?? 20);
      const [[article], comments] = await Promise.all([
        db.query('object', FLOOR_OBJECT_SQL, [id]),
        db.query('object-comments', FLOOR_COMMENTS_SQL, [id, first + 1]),
      ]);
      if (!article) return { node: null };
      return {
        node: {
          title: article.title,
          body: article.body,
          tags: (article.tags as string[]).map((name) => ({ name })),
          commentCount: article.comment_count,
          comments: connection(comments, first, (row) => ({ body: row.body, createdAt: row.created_at, author: row.author_name === null ? null : { name: row.author_name } })),
        },
      };
    },
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://floor');
    const route = routes[url.pathname];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    route(url.searchParams).then(
      (data) => {
        const body = JSON.stringify({ data });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      },
      (error) => {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: String(error) }] }));
      },
    );
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
    const address = server.address() as { port: number };
    console.log(`floor ready at http://${process.env.HOST ?? '127.0.0.1'}:${address.port}`);
  });
  const stop = () => server.close(() => db.close().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

await main();
