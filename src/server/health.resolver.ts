import { Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import type { AppContext } from './context.js';

@ObjectType('Health', { description: 'Liveness of the server and its database.' })
export class Health {
  @Field(() => Boolean, { description: 'True when the database answered.' })
  ok!: boolean;

  @Field(() => String, { description: '"pglite" (embedded) or "postgresql".' })
  database!: string;

  @Field(() => Number, { description: 'Database round trip in milliseconds.' })
  latencyMs!: number;
}

@Resolver()
export class HealthResolver {
  @Query(() => Health, { description: 'Checks that the server can reach its database.' })
  async health(@Ctx() ctx: AppContext): Promise<Health> {
    const started = performance.now();
    let ok = true;
    try {
      await ctx.em.getConnection().execute('select 1');
    } catch {
      ok = false;
    }
    return { ok, database: ctx.config.databaseUrl ? 'postgresql' : 'pglite', latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  }
}
