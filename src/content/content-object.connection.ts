import { ConnectionType } from '../generic/connection.js';
import { ContentObject } from './content-object.union.js';

/** `ContentObjectConnection`: a page of content objects of any type (edges' `node` is the `ContentObject` union). */
export const ContentObjectConnection = ConnectionType<object>(
  'ContentObject',
  () => ContentObject,
  'A page of content objects of any type, in one cursor order (Relay connection, keyset cursors).',
);
