import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { GraphQLResult, TestServer } from './server.js';

/**
 * Runs a generated operation (a typed document node from client/generated)
 * over HTTP, as a client built with the generated code would: the result's
 * `data` is typed by the operation.
 */
export function run<R, V extends Record<string, unknown>>(t: TestServer, document: TypedDocumentNode<R, V>, variables?: V): Promise<GraphQLResult<R>> {
  return t.gql<R>(print(document), variables);
}

/** The codes of a result's errors. */
export const codes = (result: GraphQLResult) => (result.errors ?? []).map((e) => e.extensions?.code);
