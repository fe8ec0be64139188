import type { z } from 'zod';

/** The slice of zod v4's schema definitions this walk reads. */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  items?: z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
  const def = (schema as unknown as { def: Def }).def;
  // zod keeps an object's shape on the schema, not always on its def.
  if (def.type === 'object' && !def.shape) def.shape = (schema as unknown as { shape: Def['shape'] }).shape;
  return def;
}

/** The object schemas that can sit at `path` inside `schema` (through records, arrays, unions, optionals). */
export function schemasAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  let current: z.ZodType[] = [schema];
  const unwrap = (s: z.ZodType): z.ZodType[] => {
    const d = defOf(s);
    if (d.type === 'optional' || d.type === 'nullable' || d.type === 'default' || d.type === 'readonly')
      return unwrap(d.innerType!);
    if (d.type === 'pipe') return unwrap(d.in!);
    if (d.type === 'union') return d.options!.flatMap(unwrap);
    return [s];
  };
  current = current.flatMap(unwrap);
  for (const step of path) {
    const next: z.ZodType[] = [];
    for (const s of current) {
      const d = defOf(s);
      if (d.type === 'object' && typeof step === 'string' && d.shape?.[step]) next.push(d.shape[step]);
      else if (d.type === 'record') next.push(d.valueType!);
      else if (d.type === 'array' && typeof step === 'number') next.push(d.element!);
      else if (d.type === 'tuple' && typeof step === 'number' && d.items?.[step]) next.push(d.items[step]);
    }
    current = next.flatMap(unwrap);
  }
  return current;
}

/** The keys an object at `path` may hold, read from the zod schema itself so hints never go stale. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(schema, path)) {
    const d = defOf(s);
    if (d.type === 'object') for (const k of Object.keys(d.shape ?? {})) keys.add(k);
  }
  return [...keys];
}
