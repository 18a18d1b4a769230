import { ConnectionType } from '../../generic/connection.js';
import { Tag } from './tag.entity.js';

export const TagConnection = ConnectionType<Tag>('Tag', () => Tag, 'A page of tags (Relay connection, keyset cursors).');
