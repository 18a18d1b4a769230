// The page SQL module reaches type-graphql's decorated connection types, which need the metadata polyfill.
import 'reflect-metadata';
import type { EntityManager } from '@mikro-orm/sql';
import { firstRowsPerPartition, type PartitionPageSpec, targetPartition } from '../../src/content/partition-page.sql.js';
import { ofContentTypes, TAG_ITEMS_PAGE } from '../../src/features/tags/tag-items.page.js';
import type { Sql } from './database.js';

/** The page of comments the server reads for `comments(first:)` of objects (src/features/comments/comment.entity.ts: oldest first). */
export const COMMENTS_PAGE: PartitionPageSpec = {
  table: 'comment',
  partitionColumns: targetPartition('content_type_id', 'object_id'),
  timeColumn: 'created_at',
  idColumn: 'id',
  direction: 'asc',
};

export interface Statement {
  text: string;
  params: unknown[];
}

/**
 * The statement the server's page loader sends for one parent (the same
 * function writes it: `firstRowsPerPartition`), with `$n` placeholders.
 */
export async function pageStatement(spec: PartitionPageSpec, key: (number | string)[], limit: number, extra?: { sql: string; params: unknown[] }): Promise<Statement> {
  let captured: { sql: string; params: unknown[] } | undefined;
  const em = {
    getConnection: () => ({
      execute: async (sql: string, params: unknown[]) => {
        captured = { sql, params };
        return [];
      },
    }),
  } as unknown as EntityManager;
  await firstRowsPerPartition(em, spec, [key], limit, null, extra);
  if (!captured) throw new Error('the page loader sent no statement');
  let n = 0;
  return { text: captured.sql.replace(/\?/g, () => `$${++n}`), params: captured.params };
}

/** The tag page's statement: `Tag.items(first)` of one tag, restricted to the content types that take tags. */
export const tagItemsStatement = (tagId: number, first: number, typeIds: number[]) => pageStatement(TAG_ITEMS_PAGE, [tagId], first + 1, ofContentTypes(typeIds));
export const commentsStatement = (contentTypeId: number, objectId: string, first: number) => pageStatement(COMMENTS_PAGE, [contentTypeId, objectId], first + 1);

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** `Nested Loop(Values Scan, Limit(Index Scan Backward tagged_item_tag_page_index))`. */
function shape(node: PlanNode): string {
  const scan = node['Index Name'] ? ` ${node['Scan Direction'] === 'Backward' ? 'Backward ' : ''}${node['Index Name']}` : node['Relation Name'] ? ` ${node['Relation Name']}` : '';
  const children = node.Plans?.length ? `(${node.Plans.map(shape).join(', ')})` : '';
  return `${node['Node Type']}${scan}${children}`;
}

/**
 * Runs the statement `runs` times under EXPLAIN (ANALYZE) and returns the
 * database's own execution times (ms, planning included: the server sends
 * its statements unprepared), and the plan's shape: what the statement costs
 * inside the database, apart from the network and the Node process.
 */
export async function databaseTimes(sql: Sql, statement: Statement, runs: number): Promise<{ times: number[]; plan: string }> {
  const times: number[] = [];
  let plan = '';
  for (let i = 0; i < runs; i++) {
    const [row] = await sql.query<{ 'QUERY PLAN': unknown }>(`explain (analyze, format json) ${statement.text}`, statement.params);
    const raw = row['QUERY PLAN'];
    const [result] = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }[];
    times.push(result['Execution Time'] + result['Planning Time']);
    plan = shape(result.Plan);
  }
  return { times, plan };
}

/**
 * The same page as the statement before issue 10 wrote it, for comparison in
 * the same run: a window function numbers every row of the parent
 * (`row_number() over (partition by … order by time, id)`) and keeps the
 * first `limit`.
 */
export function windowStatement(spec: PartitionPageSpec, key: (number | string)[], limit: number, extra?: { sql: string; params: unknown[] }): Statement {
  const q = (name: string) => `"${name}"`;
  const keyColumns = spec.partitionColumns.map((_, i) => `k${i}`);
  const params: unknown[] = [...key];
  const values = `(${spec.partitionColumns.map((c, i) => `$${i + 1}::${c.type}`).join(', ')})`;
  const join = spec.partitionColumns.map((c, i) => `g.${q(c.name)} = k.${keyColumns[i]}`).join(' and ');
  let where = '';
  if (extra) {
    let n = params.length;
    where = ` where (${extra.sql.replace(/\?/g, () => `$${++n}`)})`;
    params.push(...extra.params);
  }
  params.push(limit);
  const order = `g.${q(spec.timeColumn)} ${spec.direction}, g.${q(spec.idColumn)} ${spec.direction}`;
  const text =
    `select * from (select g.*, row_number() over (partition by ${spec.partitionColumns.map((c) => `g.${q(c.name)}`).join(', ')} order by ${order}) as cg_rn ` +
    `from (values ${values}) as k(${keyColumns.join(', ')}) join ${q(spec.table)} g on ${join}${where}) p where p.cg_rn <= $${params.length} order by p.cg_rn`;
  return { text, params };
}

export const tagItemsWindowStatement = (tagId: number, first: number, typeIds: number[]) => windowStatement(TAG_ITEMS_PAGE, [tagId], first + 1, ofContentTypes(typeIds));
export const commentsWindowStatement = (contentTypeId: number, objectId: string, first: number) => windowStatement(COMMENTS_PAGE, [contentTypeId, objectId], first + 1);
