/**
 * Request bodies of the management and connection routes: JSON through a zod schema (an empty body
 * is `{}` unless the route needs one). One home, so every route refuses a bad body the same way:
 * a 400 whose reason names the path of each wrong field.
 */
import type { z } from 'zod';
import { formatPath } from '../config/path';
import { InvalidRequestError, RequestRefusedError } from '../errors';

/**
 * The body checked against `schema`; throws RequestRefusedError (400) saying what is wrong: a body
 * that is not JSON is `bad_request`, a wrong field `invalid_request` with each field's issue.
 */
export function readJsonBody<S extends z.ZodType>(
  body: string | undefined,
  schema: S,
  opts: { required?: boolean } = {},
): z.output<S> {
  let raw: unknown = {};
  if (body?.trim()) {
    try {
      raw = JSON.parse(body);
    } catch {
      throw new RequestRefusedError(400, 'the body is not JSON', 'bad_request');
    }
  } else if (opts.required) {
    throw new RequestRefusedError(400, 'the body is required (JSON)', 'bad_request');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidRequestError(parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
  }
  return parsed.data;
}

/** The same, as a result for routes that answer their own refusals: the data, or the 400 to answer. */
export function parseJsonBody<S extends z.ZodType>(
  body: string | undefined,
  schema: S,
):
  | { ok: true; data: z.output<S> }
  | {
      ok: false;
      response: {
        status: number;
        body: { error: string; code: string; issues?: { path: string; message: string }[] };
      };
    } {
  try {
    return { ok: true, data: readJsonBody(body, schema) };
  } catch (err) {
    if (!(err instanceof RequestRefusedError)) throw err;
    const issues = err.issues ? { issues: err.issues } : {};
    return { ok: false, response: { status: err.status, body: { error: err.message, code: err.kind, ...issues } } };
  }
}
