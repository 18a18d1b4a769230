import type DataLoader from 'dataloader';
import type { RequestLoaders } from '../../generic/request-loaders.js';
import type { TargetKey } from '../../content/content-target.js';
import type { TimeKey } from '../../content/keyset.js';
import { countsPerTarget, type TargetPage, targetPages } from '../../content/target-page.loader.js';
import { Comment } from './comment.entity.js';

/** Comments of many objects, oldest first (`created_at, id`): one statement per batch. */
export function commentPages(loaders: RequestLoaders, first: number, after: TimeKey | null): DataLoader<TargetKey, TargetPage<Comment>, string> {
  return targetPages(
    loaders,
    'comments.pages',
    Comment,
    { table: 'comment', partitionColumns: ['content_type_id', 'object_id'], timeColumn: 'created_at', idColumn: 'id', direction: 'asc' },
    first,
    after,
  );
}

/** Comment counts of many objects: one statement per batch. */
export function commentCounts(loaders: RequestLoaders): DataLoader<TargetKey, number, string> {
  return countsPerTarget(loaders, 'comments.counts', 'comment', 'content_type_id', 'object_id');
}
