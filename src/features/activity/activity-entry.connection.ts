import { ConnectionType } from '../../generic/connection.js';
import { ActivityEntry } from './activity-entry.entity.js';

export const ActivityEntryConnection = ConnectionType<ActivityEntry>(
  'ActivityEntry',
  () => ActivityEntry,
  'A page of activity entries, newest first (Relay connection, keyset cursors).',
);
