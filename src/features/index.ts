import { ActivityEntry } from './activity/activity-entry.entity.js';
import { Comment } from './comments/comment.entity.js';
import { ContentLink } from './links/content-link.entity.js';
import { Tag } from './tags/tag.entity.js';
import { TaggedItem } from './tags/tagged-item.entity.js';

/** The generic features' entities: the relations tags, comments, activity and links (and Tag). */
export const featureEntities = [Tag, TaggedItem, Comment, ActivityEntry, ContentLink];
