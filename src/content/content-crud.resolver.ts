import { Arg, Ctx, Field, ID, Mutation, ObjectType, Resolver } from 'type-graphql';
import type { MutationContext } from '../accounts/authentication.js';
import type { ContentTypeRegistry, RegisteredContentType } from '../generic/content-type.registry.js';
import { inTransaction } from '../generic/transaction.js';
import { createContentInputTypes } from './content-crud.input.js';
import { createContent, deleteContent, updateContent, validateContentInput } from './content-crud.service.js';
import { type ContentTarget, resolveNodeOfType } from './target.js';

@ObjectType('DeleteContentPayload', { description: 'The result of a delete<Type> mutation.' })
export class DeleteContentPayload {
  @Field(() => ID, { description: 'The global ID the deleted object had.' })
  deletedId!: string;

  @Field(() => String, { description: 'Readable snapshot of the deleted object, as kept in its activity entries.' })
  objectRepr!: string;
}

const built = new Map<Function, Function>();

function contentTarget(registry: ContentTypeRegistry, object: object): ContentTarget {
  const { type, key, text } = registry.keyOf(object);
  // Both callers load the object FOR UPDATE.
  return { object, type, id: key, objectId: text, ownerLocked: true };
}

/**
 * `create<Type>`, `update<Type>` and `delete<Type>` for every registered
 * content type whose registration does not say `crud: false`, written once
 * (a resolver class factory, as type-graphql's resolvers-inheritance
 * example): each type only contributes its generated input types. Classes
 * are created once per process (type-graphql metadata is global).
 */
export function contentCrudResolvers(registry: ContentTypeRegistry): Function[] {
  return registry
    .types()
    .filter((type) => type.options.crud !== false)
    .map((type) => {
      let resolver = built.get(type.cls);
      if (!resolver) built.set(type.cls, (resolver = createCrudResolver(type)));
      return resolver;
    });
}

function createCrudResolver(type: RegisteredContentType): Function {
  const { fields, CreateInput, UpdateInput } = createContentInputTypes(type);
  const name = type.typeName;
  const token = 'Needs an API token.';

  @Resolver()
  class ContentCrudResolver {
    @Mutation(() => type.cls, { name: `create${name}`, description: `Creates a ${name} owned by the caller (its \`owner\`); records a \`created\` activity entry. ${token}` })
    async create(@Arg('input', () => CreateInput) input: Record<string, unknown>, @Ctx() ctx: MutationContext): Promise<object> {
      const actor = await ctx.auth.requireUser();
      const values = validateContentInput(fields, input);
      return inTransaction(ctx.em, (tx) => createContent(tx, ctx.registry, actor, type, values));
    }

    @Mutation(() => type.cls, {
      name: `update${name}`,
      description:
        `Changes the given fields of a ${name}; records an \`updated\` activity entry with the old and new values (none when nothing changed). ` +
        `Only its owner or an admin may (FORBIDDEN otherwise, rule \`object.update\`). ${token}`,
    })
    async update(
      @Arg('id', () => ID, { description: `Global ID of the ${name}.` }) id: string,
      @Arg('input', () => UpdateInput) input: Record<string, unknown>,
      @Ctx() ctx: MutationContext,
    ): Promise<object> {
      const actor = await ctx.auth.requireUser();
      const values = validateContentInput(fields, input);
      return inTransaction(ctx.em, async (tx) => {
        const object = await resolveNodeOfType(tx, ctx.nodeTypes, type.cls, id, 'id', { lock: 'update' });
        return updateContent(tx, ctx.registry, actor, contentTarget(ctx.registry, object), values);
      });
    }

    @Mutation(() => DeleteContentPayload, {
      name: `delete${name}`,
      description:
        `Deletes a ${name}. Its tags, comments and links are deleted with it (by the database); its activity entries stay, ` +
        `with \`objectRepr\` and a null \`target\`, plus a \`deleted\` entry. Only its owner or an admin may (FORBIDDEN otherwise, rule \`object.delete\`). ${token}`,
    })
    async delete(@Arg('id', () => ID, { description: `Global ID of the ${name}.` }) id: string, @Ctx() ctx: MutationContext): Promise<DeleteContentPayload> {
      const actor = await ctx.auth.requireUser();
      return inTransaction(ctx.em, async (tx) => {
        const object = await resolveNodeOfType(tx, ctx.nodeTypes, type.cls, id, 'id', { lock: 'update' });
        const deletedId = ctx.nodeTypes.globalIdOf(object);
        const objectRepr = await deleteContent(tx, ctx.registry, actor, contentTarget(ctx.registry, object));
        return { deletedId, objectRepr };
      });
    }
  }
  Object.defineProperty(ContentCrudResolver, 'name', { value: `${name}CrudResolver` });
  return ContentCrudResolver;
}
