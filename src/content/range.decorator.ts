import { Check } from '@mikro-orm/decorators/legacy';

/** The values a numeric property accepts, beyond its column type: `{ min: 0 }`, `{ min: 1, max: 2100 }`. */
export interface ValueRange {
  min?: number;
  max?: number;
}

const RANGES = new WeakMap<Function, Map<string, ValueRange>>();

/**
 * Declares the range of a numeric property of an entity, in both places
 * that enforce it: the create/update inputs (BAD_USER_INPUT naming the field,
 * see `writableFields`) and the database (a CHECK constraint, so raw SQL is
 * held to it too; `npm run migration:create` writes it).
 *
 *   @Range({ min: 0 })
 *   @Property({ type: 'integer', default: 0 })
 *   priceCents: Opt<number> = 0;
 */
export function Range(range: ValueRange): PropertyDecorator {
  return (target, property) => {
    const name = String(property);
    const cls = target.constructor;
    let ranges = RANGES.get(cls);
    if (!ranges) RANGES.set(cls, (ranges = new Map()));
    ranges.set(name, range);
    (Check as (options: object) => (target: object, property: string) => void)({
      expression: (columns: Record<string, string>) => {
        const column = columns[name];
        const parts = [range.min !== undefined ? `${column} >= ${range.min}` : '', range.max !== undefined ? `${column} <= ${range.max}` : ''];
        return parts.filter(Boolean).join(' and ');
      },
    })(target, name);
  };
}

/** The range declared with `@Range` on a property of `cls` or of a class it extends. */
export function declaredRange(cls: Function, property: string): ValueRange | undefined {
  for (let c: Function | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const range = RANGES.get(c)?.get(property);
    if (range) return range;
  }
  return undefined;
}
