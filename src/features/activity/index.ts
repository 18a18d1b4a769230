import { ActivityEntry } from './activity-entry.entity.js';

export { ActivityEntry };
