import { InterfaceType } from 'type-graphql';

/**
 * Every content type implements `HasActivity` (see `contentObjectInterfaces`):
 * `activity(first, after)` is declared and resolved by `HasActivityResolver`.
 */
@InterfaceType('HasActivity', { description: 'An object with an activity history. Every content object has one.' })
export abstract class HasActivity {}
