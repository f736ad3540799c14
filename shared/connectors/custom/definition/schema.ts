/**
 * A custom connector's definition: the canonical zod schema and normalizeDefinition, which also
 * takes the docs' exact Connector SDK object (product-docs §3: name, version, auth with camelCase
 * oauth2 URLs, resources with only endpoint + mapping, webhooks as event → path). The format is
 * fixed by the issue's YAML block and its design page (issue 14); keys are snake_case, objects are
 * strict so a misspelt key is refused at its path instead of being ignored.
 */
import { z } from 'zod';
import { formatPath } from '../../../core/config/path';
import { ConfigError } from '../../../core/errors';
import { isValidPath } from '../paths';

/** Pages read from one resource before the reader stops with an error (a pagination that never ends). */
export const MAX_PAGES = 10_000;
/** Overlap subtracted from the high-water mark of an incremental read (clock skew, late writes). */
export const DEFAULT_OVERLAP_S = 300;
/** Pace when a definition gives no rate_limit (the docs' object has none): gentle on any API. */
export const DEFAULT_REQUESTS_PER_SECOND = 2;

export const CATEGORIES = ['e-commerce', 'crm', 'payments', 'other'] as const;
export const PAGINATION_TYPES = ['cursor', 'page', 'offset', 'link'] as const;
export const AUTH_TYPES = ['api_key', 'bearer', 'basic', 'oauth2', 'none'] as const;
/**
 * What an event is to the skills: a `cart` (a checkout that may be abandoned: its id, `completed_at`,
 * `email`, `amount`, `currency`, `recovery_url`) or an `order` (it cancels its buyer's pending carts).
 */
export const EVENT_KINDS = ['cart', 'order'] as const;
/** The fields a cart's id may be mapped to (matched loosely). */
export const CART_ID_FIELDS = ['cart_id', 'checkout_token'] as const;

const oneOf = (values: readonly string[]) => `expected one of ${values.join(', ')}`;

const path = z
  .string({ error: 'expected a path in the record (a.b.c)' })
  .refine(isValidPath, { error: 'expected a path like a.b.c, a.0.b or a[0].b' });
/** `items`: a path, or '' when the answer is the array itself. */
const itemsPath = z.string().refine((s) => s.trim() === '' || isValidPath(s), {
  error: "expected a path like data.items ('' when the answer is the array)",
});
const nonEmpty = (what: string) =>
  z
    .string({ error: `expected ${what}` })
    .trim()
    .min(1, `expected ${what}`);
const headerName = z
  .string({ error: 'expected a header name' })
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected a header name (letters, digits, -)');
const httpUrl = z
  .string({ error: 'expected a URL' })
  .refine((s) => /^https?:\/\/[^\s]+$/.test(s), { error: 'expected an http(s) URL' });
const positiveInt = z.number({ error: 'expected a number' }).int('expected a whole number').positive('must be > 0');
const eventKind = z.enum(EVENT_KINDS, { error: `expected one of ${EVENT_KINDS.join(', ')}` });
const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a field name starts with a letter');
const mappingSchema = z.record(fieldName, path).refine((m) => Object.keys(m).length > 0, {
  error: 'expected at least one field (field: path in the record)',
});

// ------------------------------------------------------------------------------------------ auth

const credential = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a credential is a config key (snake_case)');

const apiKeyAuth = z
  .strictObject({
    type: z.literal('api_key'),
    header: headerName.optional(),
    query: nonEmpty('a query parameter name').optional(),
    prefix: z.string().optional(),
    credential: credential.optional(),
  })
  .refine((a) => (a.header === undefined) !== (a.query === undefined), {
    error: 'api_key auth takes header: <name> or query: <param> (one of them)',
  });
const bearerAuth = z.strictObject({ type: z.literal('bearer'), credential: credential.optional() });
const basicAuth = z.strictObject({
  type: z.literal('basic'),
  credential: credential.optional(),
  password_credential: credential.optional(),
});
const oauth2Auth = z
  .strictObject({
    type: z.literal('oauth2'),
    authorizationUrl: httpUrl.optional(),
    authorization_url: httpUrl.optional(),
    tokenUrl: httpUrl.optional(),
    token_url: httpUrl.optional(),
    scopes: z.array(nonEmpty('a scope')).optional(),
    /** Extension: the install sends a PKCE S256 challenge (RFC 7636); for providers that require it. */
    pkce: z.boolean({ error: 'expected true or false' }).optional(),
    /** Extension: how the token endpoint takes the client's credentials (default post: in the form). */
    client_auth: z.enum(['post', 'basic'], { error: 'expected post (in the form) or basic (HTTP Basic)' }).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.authorizationUrl !== undefined && a.authorization_url !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['authorization_url'],
        message: 'give authorizationUrl or authorization_url, not both',
      });
    if (a.tokenUrl !== undefined && a.token_url !== undefined)
      ctx.addIssue({ code: 'custom', path: ['token_url'], message: 'give tokenUrl or token_url, not both' });
    if ((a.tokenUrl ?? a.token_url) === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['tokenUrl'],
        message: 'oauth2 auth needs tokenUrl (where tokens are refreshed)',
      });
  })
  .transform((a) => ({
    type: a.type,
    authorization_url: a.authorizationUrl ?? a.authorization_url,
    token_url: (a.tokenUrl ?? a.token_url) as string,
    scopes: a.scopes ?? [],
    pkce: a.pkce ?? false,
    client_auth: a.client_auth ?? ('post' as const),
  }));
const noneAuth = z.strictObject({ type: z.literal('none') });

const authSchema = z.discriminatedUnion('type', [apiKeyAuth, bearerAuth, basicAuth, oauth2Auth, noneAuth], {
  error: oneOf(AUTH_TYPES),
});

// ------------------------------------------------------------------------------------ resources

const cursorPagination = z
  .strictObject({
    type: z.literal('cursor'),
    param: nonEmpty('the query parameter that carries the cursor'),
    next: path.optional(),
    last_item: path.optional(),
    has_more: path.optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.next === undefined) === (p.last_item === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['next'],
        message:
          'cursor pagination takes next: <path of the next cursor in the answer> or last_item: <path in the last item>',
      });
    if (p.has_more !== undefined && p.last_item === undefined)
      ctx.addIssue({ code: 'custom', path: ['has_more'], message: 'has_more goes with last_item' });
  });
const pagePagination = z.strictObject({
  type: z.literal('page'),
  param: nonEmpty('the query parameter of the page number'),
  start: z.number().int('expected a whole number').min(0).default(1),
});
const offsetPagination = z.strictObject({
  type: z.literal('offset'),
  param: nonEmpty('the query parameter of the offset'),
});
const linkPagination = z.strictObject({ type: z.literal('link') });
const paginationSchema = z.discriminatedUnion(
  'type',
  [cursorPagination, pagePagination, offsetPagination, linkPagination],
  { error: oneOf(PAGINATION_TYPES) },
);

const scalar = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' });

const resourceSchema = z
  .strictObject({
    endpoint: z
      .string({ error: 'expected the endpoint path (/api/customers)' })
      .refine((s) => s.startsWith('/') || /^https?:\/\//.test(s), { error: 'expected a path starting with /' }),
    params: z.record(z.string(), scalar).default({}),
    items: itemsPath.default(''),
    id: path.default('id'),
    page_size: z.strictObject({ param: nonEmpty('the page size parameter'), size: positiveInt.max(10_000) }).optional(),
    pagination: paginationSchema.optional(),
    updated_since: z
      .strictObject({
        param: nonEmpty('the query parameter of the filter'),
        field: path,
        format: z.enum(['iso', 'unix'], { error: oneOf(['iso', 'unix']) }).default('iso'),
        overlap_s: z.number().int().min(0, 'must be >= 0').default(DEFAULT_OVERLAP_S),
      })
      .optional(),
    /** `none`: declared (so `sync.<resource>` validates) but never read; `reason` says why, in the run's warnings. */
    to: z.enum(['contacts', 'events', 'none'], { error: oneOf(['contacts', 'events', 'none']) }).default('contacts'),
    reason: nonEmpty('why the resource is not read').optional(),
    event: nonEmpty('the Brevo event name').optional(),
    /** Events: one event per value of this path (an incremental read's overlap reads recent records again). */
    dedupe: path.optional(),
    /** Events: these mapped fields also update the contact (the event's contact_properties). */
    contact_properties: z.array(fieldName).optional(),
    /** Events: a cart or an order, for the skills (abandoned-cart). */
    kind: eventKind.optional(),
    mapping: z.record(fieldName, path).default({}),
  })
  .superRefine((r, ctx) => {
    if (r.to === 'none') {
      if (r.reason === undefined)
        ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a to: none resource says why it is not read' });
      return;
    }
    if (r.reason !== undefined)
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'reason is for a to: none resource' });
    if (r.event !== undefined && r.to !== 'events')
      ctx.addIssue({
        code: 'custom',
        path: ['event'],
        message: 'event names the Brevo event of a to: events resource',
      });
    for (const key of ['dedupe', 'contact_properties', 'kind'] as const)
      if (r[key] !== undefined && r.to !== 'events')
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} is for a to: events resource` });
    contactPropertiesMapped(r.contact_properties, r.mapping, ctx);
    if (Object.keys(r.mapping).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['mapping'],
        message: 'required: at least one field (field: path in the record), or to: none with a reason',
      });
      return;
    }
    if (r.pagination?.type === 'page' && r.page_size === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['page_size'],
        message: 'page pagination needs page_size: {param, size} (a short page ends the read)',
      });
    requireIdentifier(r.mapping, r.to === 'contacts', ctx);
    kindFieldsMapped(r.kind, r.mapping, ctx);
  });

/** A cart needs its id (cart_id or checkout_token) and an email; an order its buyer's email (carts are matched by it). */
function kindFieldsMapped(
  kind: (typeof EVENT_KINDS)[number] | undefined,
  mapping: Record<string, string> | undefined,
  ctx: z.RefinementCtx,
): void {
  if (kind === undefined || mapping === undefined) return;
  const fields = new Set(Object.keys(mapping).map(looseKey));
  if (kind === 'cart' && !CART_ID_FIELDS.some((f) => fields.has(looseKey(f))))
    ctx.addIssue({
      code: 'custom',
      path: ['mapping'],
      message: `a kind: cart event needs its id: map ${CART_ID_FIELDS.join(' or ')}`,
    });
  if (!fields.has('email'))
    ctx.addIssue({
      code: 'custom',
      path: ['mapping'],
      message: `a kind: ${kind} event needs email (carts and orders are matched by the buyer's email)`,
    });
}

/** Every contact_properties entry names a field of the mapping (loosely). */
function contactPropertiesMapped(
  fields: string[] | undefined,
  mapping: Record<string, string> | undefined,
  ctx: z.RefinementCtx,
): void {
  const mapped = new Set(Object.keys(mapping ?? {}).map(looseKey));
  (fields ?? []).forEach((f, i) => {
    if (!mapped.has(looseKey(f)))
      ctx.addIssue({
        code: 'custom',
        path: ['contact_properties', i],
        message: `${f} is not a field of the mapping (${Object.keys(mapping ?? {}).join(', ') || 'none'})`,
      });
  });
}

/** A contact needs an email; an event an email or ext_id (Brevo's event identifiers). */
function requireIdentifier(mapping: Record<string, string>, contact: boolean, ctx: z.RefinementCtx): void {
  const fields = Object.keys(mapping).map(looseKey);
  if (fields.includes('email') || (!contact && fields.includes('extid'))) return;
  ctx.addIssue({
    code: 'custom',
    path: ['mapping'],
    message: contact
      ? 'a contact needs an email field (email: <path of the email in the record>)'
      : 'an event needs an email or ext_id field (email: <path in the record>)',
  });
}

/** Field names match loosely: case, `_` and `-` are ignored (`firstName` ≡ `first_name`). */
export function looseKey(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

// ------------------------------------------------------------------------------------- webhooks

const matchSchema = z
  .strictObject({ header: headerName.optional(), field: path.optional(), equals: nonEmpty('the value to match') })
  .refine((m) => (m.header === undefined) !== (m.field === undefined), {
    error: 'match takes header: <name> or field: <path in the body> (one of them), and equals',
  });
const webhookPath = z
  .string({ error: 'expected the webhook path (/webhooks/order)' })
  .regex(/^\/[A-Za-z0-9._~/-]*$/, 'expected a path starting with / (letters, digits, - _ . ~ /)');
const webhookObject = z
  .strictObject({
    path: webhookPath,
    to: z.enum(['contact', 'event'], { error: oneOf(['contact', 'event']) }).default('event'),
    event: nonEmpty('the Brevo event name').optional(),
    match: matchSchema.optional(),
    mapping: mappingSchema.optional(),
    /** to: event: these mapped fields also update the contact (the event's contact_properties). */
    contact_properties: z.array(fieldName).optional(),
    /** to: event: a cart or an order, for the skills (abandoned-cart). */
    kind: eventKind.optional(),
  })
  .superRefine((w, ctx) => {
    if (w.contact_properties !== undefined && w.to !== 'event')
      ctx.addIssue({
        code: 'custom',
        path: ['contact_properties'],
        message: 'contact_properties is for a to: event webhook',
      });
    contactPropertiesMapped(w.contact_properties, w.mapping, ctx);
    if (w.to === 'contact' && w.event !== undefined)
      ctx.addIssue({ code: 'custom', path: ['event'], message: 'event names the Brevo event of a to: event webhook' });
    if (w.to === 'contact' && w.mapping === undefined)
      ctx.addIssue({ code: 'custom', path: ['mapping'], message: 'a to: contact webhook needs a mapping with email' });
    if (w.mapping !== undefined) requireIdentifier(w.mapping, w.to === 'contact', ctx);
    if (w.kind !== undefined && w.to !== 'event')
      ctx.addIssue({ code: 'custom', path: ['kind'], message: 'kind is for a to: event webhook' });
    else if (w.kind !== undefined && w.mapping === undefined)
      ctx.addIssue({ code: 'custom', path: ['mapping'], message: `a kind: ${w.kind} webhook needs a mapping` });
    kindFieldsMapped(w.kind, w.mapping, ctx);
  });
/** The docs' short form `event: /path` is a to: event webhook mapped from the payload's scalars. */
const webhookSchema = z.union([webhookPath.transform((p) => ({ path: p, to: 'event' as const })), webhookObject], {
  error: 'expected a path (/webhooks/x) or {path, to, mapping}',
});

const signatureSchema = z
  .strictObject({
    header: headerName,
    algorithm: z.enum(['sha256', 'sha1', 'sha512'], { error: oneOf(['sha256', 'sha1', 'sha512']) }).default('sha256'),
    encoding: z.enum(['hex', 'base64'], { error: oneOf(['hex', 'base64']) }).default('hex'),
    prefix: z.string().default(''),
    timestamp_header: headerName.optional(),
    parts: z
      .strictObject({ timestamp: nonEmpty('the timestamp part'), signature: nonEmpty('the signature part') })
      .optional(),
    tolerance_s: positiveInt.default(300),
    secret: credential.default('webhook_secret'),
    delivery_id_header: headerName.optional(),
    /** A path in the body that identifies the delivery when no header does (Stripe: the event's id). */
    delivery_id_field: path.optional(),
  })
  .refine((s) => s.timestamp_header === undefined || s.parts === undefined, {
    error: 'give timestamp_header or parts, not both',
    path: ['parts'],
  });

// ----------------------------------------------------------------------------------- definition

const connectionParam = z.strictObject({
  required: z.boolean().default(false),
  description: z.string().optional(),
  pattern: z.string().refine(isRegExp, { error: 'expected a regular expression' }).optional(),
  default: z.string().optional(),
});

function isRegExp(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

export const definitionSchema = z
  .strictObject({
    name: z
      .string({ error: 'expected the connector name' })
      .regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case letters, digits and -, starting with a letter (my-platform)'),
    version: z
      .union([z.string(), z.number()], { error: 'expected a version (1.0.0)' })
      .transform(String)
      .pipe(nonEmpty('a version (1.0.0)')),
    label: nonEmpty('a label').optional(),
    category: z.enum(CATEGORIES, { error: oneOf(CATEGORIES) }).default('other'),
    base_url: httpUrl.optional(),
    connection: z
      .record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'a connection setting is snake_case'), connectionParam)
      .default({}),
    auth: authSchema,
    rate_limit: z
      .strictObject({
        requests_per_second: z.number().positive('must be > 0').max(1000),
        burst: positiveInt.optional(),
      })
      .optional(),
    headers: z.record(headerName, z.string()).default({}),
    resources: z
      .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a resource name starts with a letter'), resourceSchema)
      .default({}),
    webhooks: z
      .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_.:/-]*$/, 'a webhook name starts with a letter'), webhookSchema)
      .default({}),
    signature: signatureSchema.optional(),
  })
  .superRefine((d, ctx) => {
    if (Object.keys(d.resources).length === 0 && Object.keys(d.webhooks).length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['resources'],
        message: 'a connector needs resources to read or webhooks to receive',
      });
    for (const placeholder of placeholders(d.base_url ?? ''))
      if (!Object.hasOwn(d.connection, placeholder))
        ctx.addIssue({
          code: 'custom',
          path: ['base_url'],
          message: `{${placeholder}} is not a connection setting: declare connection.${placeholder}`,
        });
    const seen = new Map<string, string>();
    for (const [key, w] of Object.entries(d.webhooks)) {
      if ('match' in w && w.match !== undefined) continue;
      const other = seen.get(w.path);
      if (other !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['webhooks', key],
          message: `${w.path} is also ${other}'s path: add match: {header|field, equals} to tell them apart`,
        });
      seen.set(w.path, key);
    }
  })
  .transform((d) => ({
    ...d,
    label: d.label ?? d.name,
    rate_limit: {
      requests_per_second: d.rate_limit?.requests_per_second ?? DEFAULT_REQUESTS_PER_SECOND,
      burst:
        d.rate_limit?.burst ??
        Math.max(1, Math.floor(d.rate_limit?.requests_per_second ?? DEFAULT_REQUESTS_PER_SECOND)),
    },
  }));

export type Definition = z.output<typeof definitionSchema>;
export type DefinitionInput = z.input<typeof definitionSchema>;
export type AuthDefinition = Definition['auth'];
export type ResourceDefinition = Definition['resources'][string];
export type PaginationDefinition = NonNullable<ResourceDefinition['pagination']>;
export type WebhookDefinition = Definition['webhooks'][string];
export type SignatureDefinition = NonNullable<Definition['signature']>;

/** `{shop_url}` placeholders of a base URL. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1] as string);
}

export interface DefinitionIssue {
  path: string;
  message: string;
}

/**
 * A definition that cannot be used: a ConfigError (exit code 2 in the CLI, 400 in the API) whose
 * issues are named `<file>: <path>`, and whose message is one line: the first issue, then how many
 * more and where.
 */
export class DefinitionError extends ConfigError {
  constructor(
    readonly source: string,
    readonly definitionIssues: DefinitionIssue[],
  ) {
    super(definitionIssues.map((i) => ({ path: i.path ? `${source}: ${i.path}` : source, message: i.message })));
    const [first, ...rest] = definitionIssues;
    const where = first?.path ? `${first.path}: ` : '';
    const more =
      rest.length > 0 ? ` (and ${rest.length} more: ${rest.map((i) => i.path || i.message).join(', ')})` : '';
    this.message = `${source}: ${where}${first?.message ?? 'invalid definition'}${more}`;
  }
}

/** Zod issues as paths a person reads: an unknown key at its own path, nested union issues unwrapped. */
export function definitionIssues(error: z.ZodError): DefinitionIssue[] {
  const out: DefinitionIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({
          path: formatPath([...issue.path, key]),
          message: 'unknown key (check its spelling and indentation)',
        });
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      out.push({
        path: formatPath(issue.path),
        message: `required (${issue.message.replace(/^Invalid input: /, '')})`,
      });
    } else {
      out.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return out;
}

/** The docs' Connector SDK object or the canonical form (plain data), validated; throws DefinitionError. */
export function normalizeDefinition(raw: unknown, source = 'definition'): Definition {
  const parsed = definitionSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new DefinitionError(source, definitionIssues(parsed.error));
}

/** Whether webhook deliveries can be accepted; the warning line validation and connect print when not. */
export function unsignedWebhooksWarning(d: Definition): string | undefined {
  if (Object.keys(d.webhooks).length === 0 || d.signature !== undefined) return undefined;
  return `${d.name}'s definition declares no signature scheme: add a signature block (its webhook deliveries are refused until then)`;
}
