import { Comment } from './comment.entity.js';

export { Comment };
