import type DataLoader from 'dataloader';
import type { RequestLoaders } from '../../generic/request-loaders.js';
import type { TargetKey } from '../../content/content-target.js';
import type { TimeKey } from '../../content/keyset.js';
import { type TargetPage, targetPages } from '../../content/target-page.loader.js';
import { ContentLink } from './content-link.entity.js';

/** Which end of a link an object is. */
export type LinkEnd = 'source' | 'target';

/** Links from (end = source) or to (end = target) many objects, newest first: one statement per batch. */
export function linkPages(loaders: RequestLoaders, end: LinkEnd, first: number, after: TimeKey | null): DataLoader<TargetKey, TargetPage<ContentLink>, string> {
  return targetPages(
    loaders,
    `links.${end}`,
    ContentLink,
    { table: 'content_link', partitionColumns: [`${end}_type_id`, `${end}_id`], timeColumn: 'created_at', idColumn: 'id', direction: 'desc' },
    first,
    after,
  );
}
