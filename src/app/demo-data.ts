import type { EntityManager } from '@mikro-orm/sql';
import type { ContentTypeRegistry } from '../generic/content-type.registry.js';
import { ContentType } from '../generic/content-type.entity.js';
import { User } from '../accounts/user.entity.js';
import { Role } from '../accounts/roles.js';
import { Article, Book, Product, Video } from '../domain/index.js';
import { Tag } from '../features/tags/tag.entity.js';
import { TaggedItem } from '../features/tags/tagged-item.entity.js';
import { Comment } from '../features/comments/comment.entity.js';
import { ActivityEntry } from '../features/activity/activity-entry.entity.js';
import { ContentLink } from '../features/links/content-link.entity.js';
import { createApiToken } from '../accounts/api-token.service.js';

/**
 * Loads a small demo data set into an empty database (no users and no
 * content): a few objects of every content type with tags, comments, links
 * and activity. Returns whether it loaded anything. Also creates an API
 * token for the demo admin "ada" and prints it (through `log`), once: the
 * database keeps only its hash.
 */
export async function seedDemoData(
  em: EntityManager,
  registry: ContentTypeRegistry,
  log: (line: string) => void = console.log,
): Promise<boolean> {
  const existing = await em.getConnection().execute<{ n: number }[]>(
    `select (select count(*) from "user") + (select count(*) from article) + (select count(*) from book) as n`,
  );
  if (Number(existing[0].n) > 0) return false;

  const demoToken = await em.transactional(async (tx) => {
    const ct = (cls: Function) => tx.getReference(ContentType, registry.idOf(cls));
    const users = [
      tx.create(User, { username: 'ada', name: 'Ada Lovelace', role: Role.ADMIN }),
      tx.create(User, { username: 'grace', name: 'Grace Hopper' }),
      tx.create(User, { username: 'linus', name: 'Linus Torvalds' }),
    ];
    const articles = [
      tx.create(Article, { title: 'Generic relations in GraphQL', body: 'How contentgraph resolves a union of content types without N+1 queries.' }),
      tx.create(Article, { title: 'Keyset pagination explained', body: 'Why OFFSET gets slower and cursors do not.' }),
      tx.create(Article, { title: 'Triggers as foreign keys', body: 'Integrity for polymorphic associations, enforced by PostgreSQL.' }),
    ];
    const books = [
      tx.create(Book, { title: 'Designing Data-Intensive Applications', authorName: 'Martin Kleppmann', isbn: '9781449373320', publishedYear: 2017 }),
      tx.create(Book, { title: 'The Art of PostgreSQL', authorName: 'Dimitri Fontaine', publishedYear: 2019 }),
      tx.create(Book, { title: 'Structure and Interpretation of Computer Programs', authorName: 'Abelson and Sussman', publishedYear: 1985 }),
    ];
    const videos = [
      tx.create(Video, { title: 'DataLoader in ten minutes', url: 'https://example.com/videos/dataloader', durationSeconds: 600 }),
      tx.create(Video, { title: 'PostgreSQL triggers from scratch', url: 'https://example.com/videos/triggers', durationSeconds: 1420 }),
    ];
    const products = [
      tx.create(Product, { name: 'Mechanical keyboard', sku: 'KB-001', priceCents: 12900 }),
      tx.create(Product, { name: 'Standing desk', sku: 'DESK-42', priceCents: 49900 }),
      tx.create(Product, { name: 'Noise-cancelling headphones', sku: 'HP-7', priceCents: 27900 }),
    ];
    await tx.flush();

    const tagNames = ['graphql', 'postgresql', 'performance', 'databases', 'tutorial', 'hardware', 'classic'];
    const tags = new Map(tagNames.map((name) => [name, tx.create(Tag, { name, slug: name })]));
    await tx.flush();

    const [ada, grace, linus] = users;
    const target = (obj: { id: number }) => ({ contentType: ct(obj.constructor), objectId: obj.id });
    const tagging: [{ id: number }, string[]][] = [
      [articles[0], ['graphql', 'performance', 'tutorial']],
      [articles[1], ['performance', 'databases', 'postgresql']],
      [articles[2], ['postgresql', 'databases']],
      [books[0], ['databases', 'performance', 'classic']],
      [books[1], ['postgresql', 'databases']],
      [books[2], ['classic']],
      [videos[0], ['graphql', 'tutorial']],
      [videos[1], ['postgresql', 'tutorial']],
      [products[0], ['hardware']],
      [products[1], ['hardware']],
      [products[2], ['hardware']],
      [grace, ['classic']],
    ];
    let minute = 0;
    const at = () => new Date(Date.UTC(2026, 0, 1, 9, minute++));
    for (const [obj, names] of tagging) {
      for (const name of names) {
        tx.create(TaggedItem, { tag: tags.get(name)!, ...target(obj), taggedBy: ada, createdAt: at() });
      }
    }
    const comments: [{ id: number }, User, string][] = [
      [articles[0], grace, 'The per-type batching is exactly what I needed.'],
      [articles[0], linus, 'Show me the SQL statement counts.'],
      [articles[1], ada, 'Keyset cursors survive inserts between pages, OFFSET does not.'],
      [books[0], linus, 'Chapter 5 on replication is worth the price alone.'],
      [videos[0], grace, 'Great explanation of batch scheduling.'],
      [products[0], ada, 'Tactile switches, a joy to type on.'],
    ];
    for (const [obj, author, body] of comments) {
      tx.create(Comment, { ...target(obj), author, body, createdAt: at(), updatedAt: at() });
    }
    tx.create(ContentLink, {
      sourceType: ct(Article), sourceId: articles[0].id, targetType: ct(Video), targetId: videos[0].id, kind: 'related', createdBy: ada,
    });
    tx.create(ContentLink, {
      sourceType: ct(Article), sourceId: articles[2].id, targetType: ct(Book), targetId: books[1].id, kind: 'cites', createdBy: grace,
    });
    tx.create(ContentLink, {
      sourceType: ct(Video), sourceId: videos[1].id, targetType: ct(Article), targetId: articles[2].id, kind: 'related', createdBy: linus,
    });
    const everything = [...users, ...articles, ...books, ...videos, ...products];
    for (const obj of everything) {
      const type = registry.get(obj);
      tx.create(ActivityEntry, {
        actor: ada, verb: 'created', ...target(obj), objectRepr: type.repr(obj).slice(0, 200), data: null, createdAt: at(),
      });
    }
    for (const [obj, author] of comments) {
      tx.create(ActivityEntry, {
        actor: author, verb: 'commented', ...target(obj), objectRepr: registry.get(obj).repr(obj).slice(0, 200), data: null, createdAt: at(),
      });
    }
    return (await createApiToken(tx, users[0], 'demo')).token;
  });
  log(
    `Demo API token of the admin user "ada" (shown once; create more with \`npm run cli -- tokens:create --user ada\`):\n` +
      `  ${demoToken}\n` +
      `  In Apollo Sandbox, add it in the Headers tab below the operation (next to Variables): Authorization = Bearer ${demoToken}`,
  );
  return true;
}
