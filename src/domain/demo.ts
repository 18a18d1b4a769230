/**
 * Sample data a content type of the demo declares next to its entity
 * (`demo` in `@ContentObjectType`), loaded by `npm start` into an empty
 * development database (src/app/demo-data.ts). An option of the demo's own,
 * added to the core's open `ContentTypeOptions` with a declaration merge.
 */
export interface DemoObject<T> {
  values: Partial<T>;
  /** Tag names (when the type takes part in tags). */
  tags?: string[];
  /** `[username, body]` of comments by the demo users (ada, grace, linus). */
  comments?: [string, string][];
  /** `[username, emoji]` reactions (when the reactions relation is registered). */
  reactions?: [string, string][];
}

declare module '../generic/content-type.options.js' {
  interface ContentTypeOptions<T> {
    /** Sample objects for an empty development database. */
    demo?: DemoObject<T>[];
  }
}
