import type { EntityManager } from '@mikro-orm/sql';
import type { ContentTypeRegistry, RegisteredContentType } from '../generic/content-type.registry.js';
import { ContentType } from '../generic/content-type.entity.js';
import { User } from '../accounts/user.entity.js';
import { createApiToken } from '../accounts/api-token.service.js';
import { Role } from '../accounts/roles.js';
import { Tag } from '../features/tags/tag.entity.js';
import { TaggedItem } from '../features/tags/tagged-item.entity.js';
import { Comment } from '../features/comments/comment.entity.js';
import { ActivityEntry } from '../features/activity/activity-entry.entity.js';
import { ContentLink } from '../features/links/content-link.entity.js';
import { objectRepr } from '../features/activity/activity.service.js';
import type { DemoObject } from '../domain/demo.js';
import { OWNER_PROPERTY } from '../content/content-owner.js';

/**
 * Loads a small demo data set into an empty database (no users): three
 * users, then the sample objects every registered content type declares in
 * its `demo` option, with their tags, comments and reactions, a `related`
 * link from each type's first object to the next type's, and their activity.
 * Registry-driven, so adding or removing a demo type needs no edit here.
 * Returns whether it loaded anything. Also creates an API token for the demo
 * admin "ada" and prints it (through `log`), once: the database keeps only
 * its hash.
 */
export async function seedDemoData(em: EntityManager, registry: ContentTypeRegistry, log: (line: string) => void = console.log): Promise<boolean> {
  const existing = await em.getConnection().execute<{ n: number }[]>(`select count(*) as n from "user"`);
  if (Number(existing[0].n) > 0) return false;

  const demoToken = await em.transactional(async (tx) => {
    const ct = (type: RegisteredContentType) => tx.getReference(ContentType, registry.idOf(type.cls));
    const users = new Map(
      [
        tx.create(User, { username: 'ada', name: 'Ada Lovelace', role: Role.ADMIN }),
        tx.create(User, { username: 'grace', name: 'Grace Hopper' }),
        tx.create(User, { username: 'linus', name: 'Linus Torvalds' }),
      ].map((user) => [user.username, user]),
    );
    const ada = users.get('ada')!;
    const samples: { type: RegisteredContentType; object: object; demo: DemoObject<any> }[] = [];
    for (const type of registry.types()) {
      // Owned by ada, who is recorded as their creator below.
      for (const demo of type.options.demo ?? []) samples.push({ type, object: tx.create(type.cls, { ...demo.values, [OWNER_PROPERTY]: ada } as never) as object, demo });
    }
    await tx.flush();
    for (const user of users.values()) Object.assign(user, { [OWNER_PROPERTY]: user }); // a user account is its own owner
    await tx.flush();

    const takesPart = (type: RegisteredContentType, relation: string) => registry.relationNamed(relation) && registry.takesPart(type, relation);
    const target = (type: RegisteredContentType, object: object) => ({ contentType: ct(type), objectId: registry.keyOf(object).text });
    let minute = 0;
    const at = () => new Date(Date.UTC(2026, 0, 1, 9, minute++));

    const tagNames = [...new Set(samples.filter((s) => takesPart(s.type, 'tags')).flatMap((s) => s.demo.tags ?? []))];
    const tags = new Map(tagNames.map((name) => [name, tx.create(Tag, { name, slug: name })]));
    await tx.flush();
    const activity: { actor: User; verb: string; type: RegisteredContentType; object: object }[] = [];
    for (const { type, object, demo } of samples) {
      activity.push({ actor: ada, verb: 'created', type, object });
      if (takesPart(type, 'tags')) {
        for (const name of demo.tags ?? []) tx.create(TaggedItem, { tag: tags.get(name)!, ...target(type, object), taggedBy: ada, createdAt: at() });
      }
      if (takesPart(type, 'comments')) {
        for (const [username, body] of demo.comments ?? []) {
          const author = users.get(username)!;
          tx.create(Comment, { ...target(type, object), author, body, createdAt: at(), updatedAt: at() });
          activity.push({ actor: author, verb: 'commented', type, object });
        }
      }
      const reactions = registry.relationNamed('reactions');
      if (reactions && takesPart(type, 'reactions')) {
        for (const [username, emoji] of demo.reactions ?? []) {
          tx.create(reactions.entity, { ...target(type, object), user: users.get(username)!, emoji, createdAt: at() } as never);
        }
      }
    }
    // One `related` link from each type's first sample to the next type's.
    const firsts = registry
      .types()
      .map((type) => samples.find((s) => s.type === type && takesPart(type, 'links')))
      .filter((s) => s !== undefined);
    for (let i = 0; i + 1 < firsts.length; i++) {
      const [from, to] = [firsts[i], firsts[i + 1]];
      tx.create(ContentLink, {
        sourceType: ct(from.type),
        sourceId: registry.keyOf(from.object).text,
        targetType: ct(to.type),
        targetId: registry.keyOf(to.object).text,
        kind: 'related',
        createdBy: ada,
      });
    }
    for (const entry of activity.filter((e) => takesPart(e.type, 'activity'))) {
      tx.create(ActivityEntry, {
        actor: entry.actor,
        verb: entry.verb,
        ...target(entry.type, entry.object),
        objectRepr: objectRepr(registry, entry.object),
        data: null,
        createdAt: at(),
      });
    }
    return (await createApiToken(tx, ada, 'demo')).token;
  });
  log(
    `Demo API token of the admin user "ada" (shown once; create more with \`npm run cli -- tokens:create --user ada\`):\n` +
      `  ${demoToken}\n` +
      `  In Apollo Sandbox, add it in the Headers tab below the operation (next to Variables): Authorization = Bearer ${demoToken}`,
  );
  return true;
}
