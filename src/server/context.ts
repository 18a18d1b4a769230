import type { MikroORM } from '@mikro-orm/core';
import { type AuthContext, RequestAuth } from '../accounts/authentication.js';
import type { GenericContext } from '../generic/context.js';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import type { NodeTypes } from '../generic/node-types.js';
import { RequestLoaders } from '../generic/request-loaders.js';
import type { AppConfig } from './config.js';
import { rootEm } from './orm.js';

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
}

/**
 * The one context factory: a fresh EntityManager fork, fresh loaders and the
 * caller (`auth`, resolved from the Authorization header lazily, once) per request.
 */
export function createContext(services: AppServices, headers: { authorization?: string }): AppContext {
  const em = rootEm(services.orm).fork({ clear: true, useContext: false });
  return {
    em,
    registry: services.registry,
    nodeTypes: services.nodeTypes,
    loaders: new RequestLoaders(em, services.registry),
    config: services.config,
    authorization: headers.authorization,
    auth: new RequestAuth(em, headers.authorization),
  };
}
