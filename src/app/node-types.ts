/** Every type reachable by global ID, derived from the registry (content types, ContentType, the relations' Node entities). */
export { createNodeTypes } from '../content/node-types.js';
