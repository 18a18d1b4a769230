/**
 * Every query the bench sends, in one place: the GraphQL operations, and the
 * hand-written SQL of the floor server that answers the same JSON. When the
 * schema changes (tables, columns, GraphQL fields), this is the file to edit
 * (and `lib/data.ts`, which generates the data).
 */

/** GraphQL type name → the column that names an object of that type (for `objectRepr`-like labels). */
export const LABEL_COLUMN: Record<string, string> = { article: 'title', book: 'title', video: 'title', product: 'name', user: 'name' };

const gql = (query: string, variables?: Record<string, unknown>) => JSON.stringify({ query, variables });

// ---------------------------------------------------------------- GraphQL

/** The feed of the issue: 100 entries with actor, union targets and their tags. */
export const FEED_QUERY = `query Feed { activity(first: 100) { edges { node { verb objectRepr createdAt actor { name }
  target { __typename ... on Taggable { tags { name } } ... on Article { title } ... on Book { title } ... on Video { title } ... on Product { name } ... on User { name } } } }
  pageInfo { hasNextPage endCursor } } }`;

/** A tag page: 100 items across types with their comment counts. */
export const TAG_PAGE_QUERY = `query TagPage($name: String!, $first: Int!) { tag(name: $name) { name itemCount items(first: $first) { edges { node { __typename
  ... on Article { title } ... on Book { title } ... on Video { title } ... on Product { name } ... on User { name } ... on Commentable { commentCount } } }
  pageInfo { hasNextPage endCursor } } } }`;

/** An object page: an article with its tags, comment count and first 20 comments with authors. */
export const OBJECT_PAGE_QUERY = `query ObjectPage($id: ID!, $first: Int!) { node(id: $id) { ... on Article { title body tags { name } commentCount
  comments(first: $first) { edges { node { body createdAt author { name } } } pageInfo { hasNextPage endCursor } } } } }`;

/** Only a page of a tag's items (no count): what a keyset page over a big parent costs. */
export const TAG_ITEMS_PAGE_QUERY = `query TagItems($name: String!, $first: Int!) { tag(name: $name) { items(first: $first) {
  edges { cursor node { __typename ... on Node { id } } } pageInfo { hasNextPage } } } }`;

/** Only the first comments of an object (no count). */
export const COMMENTS_PAGE_QUERY = `query Comments($id: ID!, $first: Int!) { node(id: $id) { ... on Commentable { comments(first: $first) {
  edges { cursor node { body createdAt } } pageInfo { hasNextPage } } } } }`;

export const feed = () => gql(FEED_QUERY);
export const tagPage = (name: string, first = 100) => gql(TAG_PAGE_QUERY, { name, first });
export const objectPage = (articleId: number, first = 20) => gql(OBJECT_PAGE_QUERY, { id: articleGlobalId(articleId), first });
export const tagItemsPage = (name: string, first: number) => gql(TAG_ITEMS_PAGE_QUERY, { name, first });
export const commentsPage = (articleId: number, first: number) => gql(COMMENTS_PAGE_QUERY, { id: articleGlobalId(articleId), first });

/** The global ID of an article (base64url of `Article:<id>`, see src/generic/global-id.ts). */
export const articleGlobalId = (id: number) => Buffer.from(`Article:${id}`).toString('base64url');

/** A write: a comment on an article (needs a token). */
export const ADD_COMMENT_BODY = 'A comment from the bench';
export const addComment = (articleId: number) =>
  gql(`mutation AddComment($id: Int!, $body: String!) { addComment(targetRef: { article: $id }, body: $body) { id } }`, { id: articleId, body: ADD_COMMENT_BODY });

/** More read paths, for the statements-per-request table. */
export const READ_PATHS: Record<string, string> = {
  'feed: activity(first: 100), actor, union targets + tags': feed(),
  'tag page: 100 items across types + commentCount': tagPage('tag-1'),
  'object page: article, tags, commentCount, 20 comments + authors': objectPage(1),
  'articles tagged [tag-1, tag-2], 100, 5 comments each': gql(`{ articles(first: 100, tagged: ["tag-1", "tag-2"]) { edges { node { title commentCount
    comments(first: 5) { edges { node { body author { name } } } } } } } }`),
  'books, 100, tags + activity(first: 3) + links': gql(`{ books(first: 100) { edges { node { title tags { name } activity(first: 3) { edges { node { verb } } }
    outgoingLinks(first: 3) { edges { node { kind target { __typename } } } } } } } }`),
};

// ---------------------------------------------------------------- the floor's SQL

/**
 * The feed in one statement: entries, actor, target label and the target's
 * tags (ordered as contentgraph orders them).
 */
export const FLOOR_FEED_SQL = `
select e.id, e.verb, e.object_repr, to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at,
  u.name as actor_name, ct.model,
  case ct.model when 'article' then a.title when 'book' then b.title when 'video' then v.title when 'product' then p.name when 'user' then tu.name end as label,
  case ct.model when 'article' then a.id when 'book' then b.id when 'video' then v.id when 'product' then p.id when 'user' then tu.id end as target_id,
  (select coalesce(json_agg(t.name order by lower(t.name) collate "C", t.id), '[]') from tagged_item ti join tag t on t.id = ti.tag_id
    where ti.content_type_id = e.content_type_id and ti.object_id = e.object_id) as tags
from activity_entry e
join content_type ct on ct.id = e.content_type_id
left join "user" u on u.id = e.actor_id
left join article a on ct.model = 'article' and a.id = case when ct.model = 'article' then e.object_id::int end
left join book b on ct.model = 'book' and b.id = case when ct.model = 'book' then e.object_id::int end
left join video v on ct.model = 'video' and v.id = case when ct.model = 'video' then e.object_id::int end
left join product p on ct.model = 'product' and p.id = case when ct.model = 'product' then e.object_id::int end
left join "user" tu on ct.model = 'user' and tu.id = case when ct.model = 'user' then e.object_id::int end
order by e.created_at desc, e.id desc
limit $1`;

/** The tag, its item count and a page of its items (newest tagged first) with labels and comment counts. */
export const FLOOR_TAG_SQL = `select id, name, (select count(*)::int from tagged_item where tag_id = tag.id) as item_count from tag where lower(name) = lower($1)`;

/**
 * A tag's tagged items (newest first, `$2` of them) joined to their targets of
 * each demo type (aliases a, b, v, p, u): the text `object_id` is cast only for
 * the row's own type, so each type's key index is used.
 */
const TAGGED_ITEMS_WITH_TARGETS = `from tagged_item ti
join content_type ct on ct.id = ti.content_type_id
left join article a on ct.model = 'article' and a.id = case when ct.model = 'article' then ti.object_id::int end
left join book b on ct.model = 'book' and b.id = case when ct.model = 'book' then ti.object_id::int end
left join video v on ct.model = 'video' and v.id = case when ct.model = 'video' then ti.object_id::int end
left join product p on ct.model = 'product' and p.id = case when ct.model = 'product' then ti.object_id::int end
left join "user" u on ct.model = 'user' and u.id = case when ct.model = 'user' then ti.object_id::int end
where ti.tag_id = $1
order by ti.created_at desc, ti.id desc
limit $2`;

export const FLOOR_TAG_ITEMS_SQL = `
select ti.id, ct.model,
  case ct.model when 'article' then a.title when 'book' then b.title when 'video' then v.title when 'product' then p.name when 'user' then u.name end as label,
  (select count(*)::int from comment c where c.content_type_id = ti.content_type_id and c.object_id = ti.object_id) as comment_count,
  to_char(ti.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
${TAGGED_ITEMS_WITH_TARGETS}`;

/** The tag's id by name, compared by key as contentgraph's `tag(name)` does (the `name_key` index). */
export const FLOOR_TAG_ID_SQL = `select id from tag where name_key = cg_tag_key($1)`;

/**
 * A page of a tag's items, newest tagged first, with whether each target is
 * there (contentgraph reads every target and drops the edge of one that is
 * gone): what TAG_ITEMS_PAGE_QUERY answers (type, key, cursor).
 */
export const FLOOR_TAG_ITEMS_PAGE_SQL = `
select ti.id, ct.model, ti.object_id, to_char(ti.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at,
  coalesce(a.id, b.id, v.id, p.id, u.id) is not null as present
${TAGGED_ITEMS_WITH_TARGETS}`;

/** The first comments of an article, oldest first: what COMMENTS_PAGE_QUERY answers (an index range, as contentgraph's). */
export const FLOOR_COMMENTS_PAGE_SQL = `
select c.id, c.body, to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
from comment c
where c.content_type_id = (select id from content_type where model = 'article') and c.object_id = $1::text
order by c.created_at, c.id
limit $2`;

/** The article, its tags and comment count; then its first comments with authors. */
export const FLOOR_OBJECT_SQL = `
select a.title, a.body,
  (select coalesce(json_agg(t.name order by lower(t.name) collate "C", t.id), '[]') from tagged_item ti join tag t on t.id = ti.tag_id
    where ti.content_type_id = ct.id and ti.object_id = a.id::text) as tags,
  (select count(*)::int from comment c where c.content_type_id = ct.id and c.object_id = a.id::text) as comment_count
from article a, content_type ct where ct.model = 'article' and a.id = $1`;

export const FLOOR_COMMENTS_SQL = `
select c.id, c.body, to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at, u.name as author_name
from comment c join content_type ct on ct.id = c.content_type_id and ct.model = 'article'
left join "user" u on u.id = c.author_id
where c.object_id = $1::text
order by c.created_at, c.id
limit $2`;
