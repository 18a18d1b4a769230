import { ConnectionType } from '../../generic/connection.js';
import { ContentLink } from './content-link.entity.js';

export const ContentLinkConnection = ConnectionType<ContentLink>(
  'ContentLink',
  () => ContentLink,
  'A page of links, newest first (Relay connection, keyset cursors).',
);
