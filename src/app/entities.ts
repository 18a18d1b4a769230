import { ContentType } from '../generic/content-type.entity.js';
import { accountEntities } from '../accounts/index.js';
import { featureEntities } from '../features/index.js';
import * as domain from '../domain/index.js';

/**
 * The demo application's content types and relations (src/domain/index.ts,
 * one line each), sorted by class name: a module namespace lists its names
 * sorted in Node and in export order under vitest, and nothing may depend on that.
 */
export const domainEntities: Function[] = Object.values(domain).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** Every entity class the ORM discovers. */
export const appEntities = [ContentType, ...accountEntities, ...featureEntities, ...domainEntities];
