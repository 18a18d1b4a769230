import { InterfaceType } from 'type-graphql';

/**
 * Every content type implements `Linkable` (see `contentObjectInterfaces`):
 * `outgoingLinks` and `incomingLinks` are declared and resolved by `LinkableResolver`.
 */
@InterfaceType('Linkable', { description: 'An object that can link to other objects and be linked to. Every content object is Linkable.' })
export abstract class Linkable {}
