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
  | 'contenttypes.E007'; // composite or missing primary key

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
