import { Tag } from './tag.entity.js';
import { TaggedItem } from './tagged-item.entity.js';

export { Tag, TaggedItem };
