import { ContentType } from '../generic/content-type.entity.js';
import { accountEntities } from '../accounts/index.js';
import { featureEntities } from '../features/index.js';
import * as domain from '../domain/index.js';

/** The demo application's content types and relations (src/domain/index.ts, one line each). */
export const domainEntities: Function[] = Object.values(domain);

/** Every entity class the ORM discovers. */
export const appEntities = [ContentType, ...accountEntities, ...featureEntities, ...domainEntities];
