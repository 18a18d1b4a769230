import { ConnectionType } from '../../generic/connection.js';
import { Comment } from './comment.entity.js';

export const CommentConnection = ConnectionType<Comment>('Comment', () => Comment, 'A page of comments, oldest first (Relay connection, keyset cursors).');
