import { ContentType } from '../generic/content-type.entity.js';
import { accountEntities } from '../accounts/index.js';
import { activityEntities } from '../features/activity/index.js';
import { commentEntities } from '../features/comments/index.js';
import { linkEntities } from '../features/links/index.js';
import { tagEntities } from '../features/tags/index.js';
import { domainEntities } from '../domain/index.js';

/** Every entity class the ORM discovers. */
export const appEntities = [
  ContentType,
  ...accountEntities,
  ...tagEntities,
  ...commentEntities,
  ...activityEntities,
  ...linkEntities,
  ...domainEntities,
];
