import type { MikroORM } from '@mikro-orm/core';
import { type AuthContext, RequestAuth } from '../accounts/authentication.js';
import type { GenericContext } from '../generic/context.js';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import type { NodeTypes } from '../generic/node-types.js';
import { RequestLoaders } from '../generic/request-loaders.js';
import type { AppConfig } from './config.js';
import { rootEm } from './orm.js';
import type { BudgetState } from './pipeline/cost-budget.js';
import type { OperationCost } from './pipeline/operation-cost.js';
import type { RequestDeadline } from './pipeline/request-deadline.js';

/** Long-lived parts of the application, shared by every request. */
export interface AppServices {
  config: AppConfig;
  orm: MikroORM;
  registry: ContentTypeRegistry;
  nodeTypes: NodeTypes;
}

/** Everything one GraphQL request sees. Built fresh for every request. */
export interface AppContext extends GenericContext, AuthContext {
  config: AppConfig;
  /** Value of the request's Authorization header, if any. */
  authorization: string | undefined;
  /** Whom the request's cost is charged to (`token:<hash>` or `ip:<address>`, see pipeline/client-key.ts). */
  clientKey: string;
  /** `token:<hash>` of the bearer token the request presents, verified or not; undefined without one. */
  tokenKey: string | undefined;
  /** When the request must be answered; its SQL runs under a matching statement_timeout. */
  deadline: RequestDeadline | undefined;
  /**
   * The operation's measured cost, set before execution (pipeline/operation-cost.ts):
   * `{ cost, depth, aliases, fields, maxCost }`. Undefined until the operation is
   * resolved (and for requests refused before that: parse and validation errors).
   */
  cost?: OperationCost;
  /** The client's budget after this operation was charged; undefined when budgets are off. */
  budget?: BudgetState;
}

/** What the HTTP layer knows about a request before its context is built. */
export interface RequestInfo {
  authorization?: string;
  clientKey: string;
  tokenKey?: string;
  deadline?: RequestDeadline;
}

/**
 * The one context factory: a fresh EntityManager fork, fresh loaders and the
 * caller (`auth`, resolved from the Authorization header lazily, once) per request.
 */
export function createContext(services: AppServices, request: RequestInfo): AppContext {
  const em = rootEm(services.orm).fork({ clear: true, useContext: false });
  return {
    em,
    registry: services.registry,
    nodeTypes: services.nodeTypes,
    loaders: new RequestLoaders(em, services.registry),
    config: services.config,
    authorization: request.authorization,
    auth: new RequestAuth(em, request.authorization),
    clientKey: request.clientKey,
    tokenKey: request.tokenKey,
    deadline: request.deadline,
  };
}
