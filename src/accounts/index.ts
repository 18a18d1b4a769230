import { ApiToken } from './api-token.entity.js';
import { User } from './user.entity.js';

export { ApiToken, User };

/** The accounts app's entities; `User` is a content type (its options are on the entity). */
export const accountEntities = [User, ApiToken];
