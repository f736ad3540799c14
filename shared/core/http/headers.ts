/**
 * Reading a request's headers, whatever gave them: API Gateway (lower-case names), the local
 * gateway and tests (any case), Node (arrays for repeated headers) or a fetch `Headers`. One home
 * for the lookup every door does.
 */

/** Request headers as the doors receive them. */
export type RequestHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** A header's value, names case-insensitive; the first of repeated values. */
export function headerValue(headers: RequestHeaders | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== wanted || v === undefined) continue;
    return typeof v === 'string' ? v : v[0];
  }
  return undefined;
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(headers: RequestHeaders | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(headerValue(headers, 'authorization') ?? '');
  return m?.[1];
}
