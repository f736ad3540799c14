import type { z } from 'zod';

/** JSON text checked against a schema: malformed JSON fails as a value of the wrong shape does. */
export function parseJsonAs<T>(schema: z.ZodType<T>, text: string): z.ZodSafeParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return schema.safeParse(json);
}
