import type { GraphQLResult } from './server.js';

/** The codes of a result's errors. */
export const codes = (result: GraphQLResult) => (result.errors ?? []).map((e) => e.extensions?.code);
