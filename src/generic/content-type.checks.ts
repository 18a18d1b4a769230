/**
 * Start-up checks with stable codes, in the manner of Django's
 * `contenttypes.E001`. The server refuses to start when any of them fails.
 */
export type ContentTypeCheckCode =
  | 'contenttypes.E001' // primary key does not fit object_id (bigint)
  | 'contenttypes.E002' // duplicate (app_label, model)
  | 'contenttypes.E003' // duplicate GraphQL type name
  | 'contenttypes.E004' // registered class is not a discovered entity
  | 'contenttypes.E005' // generic foreign key names an unregistered target
  | 'contenttypes.E006' // generic foreign key is malformed (entity/property missing)
  | 'contenttypes.E007' // composite or missing primary key
  | 'contenttypes.E008'; // app_label or model is not a lower-case identifier

export interface ContentTypeCheckFailure {
  code: ContentTypeCheckCode;
  message: string;
}

export class ContentTypeCheckError extends Error {
  constructor(readonly failures: ContentTypeCheckFailure[]) {
    super(
      'contentgraph refuses to start: the content-type registry failed its checks:\n' +
        failures.map((f) => `  ${f.code}: ${f.message}`).join('\n'),
    );
    this.name = 'ContentTypeCheckError';
  }
}

/**
 * Thrown by `registry.get()` (and so by every helper that points a generic
 * foreign key at an object) for an entity that is not a registered content type.
 */
export class UnregisteredContentTypeError extends Error {
  readonly code = 'contenttypes.E005';

  constructor(readonly className: string) {
    super(
      `contenttypes.E005: ${className} is not a registered content type; register it with registry.register(${className}, { appLabel }) before using it as a target.`,
    );
    this.name = 'UnregisteredContentTypeError';
  }
}

/** `app_label` and `model`: what the integrity SQL and the natural key `app_label.model` rely on. */
export const CONTENT_TYPE_NAME = /^[a-z][a-z0-9_]*$/;

/** Generic foreign key names end up in trigger, function and constraint names. */
export const FOREIGN_KEY_NAME = /^[a-z][a-z0-9_]*$/;

/** Column types whose values fit a PostgreSQL `bigint` object_id. */
export const INTEGER_KEY_TYPES = new Set([
  'smallint',
  'int2',
  'integer',
  'int',
  'int4',
  'bigint',
  'int8',
  'serial',
  'bigserial',
  'smallserial',
]);
