/**
 * The one redaction every log path goes through (the functions' Powertools logger, API call lines,
 * the local stack's printing, the CLI's error line): tokens and personal data never reach a log.
 *
 * Three layers. Free text loses every token shape the providers and this service issue, every email
 * address, every international phone number and the title in a Notion page URL. Structured values
 * additionally lose the values of keys that hold secrets (authorization, api-key, token,
 * signing_secret...) or personal data (email, SMS, FIRSTNAME, real_name...), whatever their shape,
 * and everything inside a container of personal values (Brevo `attributes`, Notion `properties`
 * and rich text, Slack `blocks`) but its structure. Bodies that are personal as a whole (a Slack
 * message is built from contact data; a Brevo or platform event describes a contact) keep only
 * their structure: types, ids, channels, action ids, timestamps.
 *
 * Every pass is linear in the size of its input (a 6 MB body at debug once hung the stack): no
 * pattern may rescan a run of characters from each of its positions.
 */

export const REDACTED = '[redacted]';

/**
 * Token shapes (reference/*.md). The prefix is kept so a log still says which kind of credential
 * was there. Lengths are lower bounds that keep ordinary words (`secret_ref`) out, and upper bounds
 * far above any real token: an unbounded run overflowed the regexp engine's stack on a megabyte of
 * base64 after a prefix (a thrown RangeError in a log path).
 */
const TOKEN_PATTERNS: readonly RegExp[] = [
  // Whatever follows an HTTP auth scheme (first: the value may itself have a known shape): a value
  // with a digit, or a long one, so that prose ("missing bearer token") stays readable.
  /\b(Bearer\s{1,16}|Basic\s{1,16})(?:(?=[A-Za-z0-9._~+/=-]{0,8192}\d)[A-Za-z0-9._~+/=-]{6,8192}|[A-Za-z0-9._~+/=-]{16,8192})/gi,
  // Notion internal integration tokens (ntn_…) and the older secret_… form, also Notion webhook
  // verification tokens.
  /\b(ntn_)[A-Za-z0-9_-]{6,1024}/g,
  /\b(secret_)[A-Za-z0-9_-]{6,1024}/g,
  // Slack: bot, user, app-level, configuration and rotating tokens (xoxb-, xoxp-, xoxe.xoxb-, xoxe-1-, xapp-).
  /\b(xox[abeoprs](?:\.xox[a-z])?-)[A-Za-z0-9-]{6,1024}/g,
  /\b(xapp-)[A-Za-z0-9-]{6,1024}/g,
  // Brevo API and SMTP keys.
  /\b(xkeysib-)[A-Za-z0-9-]{6,1024}/g,
  /\b(xsmtpsib-)[A-Za-z0-9-]{6,1024}/g,
  // This service's management API keys and Brevo webhook tokens (shared/app/api.ts newApiKey).
  /\b(tajo_)[A-Za-z0-9_-]{16,1024}/g,
  /\b(whk_)[A-Za-z0-9_-]{16,1024}/g,
];

/**
 * The lookbehind starts a match only where a run of local-part characters starts: without it, a
 * long run with no `@` (base64, a long word) was rescanned from each of its positions, quadratic.
 */
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/**
 * `+<country><number>` with the usual separators: Brevo's SMS form, Notion and Slack phone fields.
 * Bounded (no number is longer) for the same reason as the token shapes.
 */
const PHONE = /\+\d[\d ().-]{6,40}\d/g;
/**
 * A Notion page URL carries the page's title (a CRM row's title is a person's name) before its id:
 * the title goes, the id stays. The title part is bounded so that a run of `notion.so/` is never
 * rescanned to its end from each occurrence.
 */
const NOTION_PAGE_URL =
  /(\bnotion\.(?:so|site)\/(?:[A-Za-z0-9_-]{1,100}\/)?)(?:[^\s"?#<>/]{0,512}-)?([0-9a-f]{32})(?![0-9a-f])/gi;

/**
 * Keys (compared lower-case, without `-` and `_`) whose values are secrets: HTTP headers and the
 * config's and providers' names for credentials.
 */
const SECRET_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'apikey',
  'xapikey',
  'token',
  'accesstoken',
  'refreshtoken',
  'bottoken',
  'idtoken',
  'verificationtoken',
  'webhooktoken',
  'secret',
  'clientsecret',
  'signingsecret',
  // A definition connection's signing secret and app secret (Shopify's api_secret), a PKCE verifier.
  'webhooksecret',
  'apisecret',
  'codeverifier',
  'password',
  'xslacksignature',
  'xnotionsignature',
]);

/**
 * Keys whose values are personal data: contact identifiers, people's names, and the text of Notion
 * rich text (`plain_text`, `text.content`: a CRM row's title is a person's name).
 */
const PERSONAL_KEYS = new Set([
  'email',
  'emails',
  'emailid',
  'sms',
  'phone',
  'phonenumber',
  'mobile',
  'whatsapp',
  'landline',
  'firstname',
  'lastname',
  'fullname',
  'name',
  'realname',
  'displayname',
  'realnamenormalized',
  'displaynamenormalized',
  'plaintext',
  'content',
  'avatarurl',
  'address',
  'birthday',
  'username',
  'company',
  'companyname',
  'subject',
]);

/**
 * Keys whose whole value is personal content, kept only as structure: Brevo contact attributes and
 * imports, Notion property values and rich text, Slack message blocks, a platform event's contact
 * and order items, a notification event's custom part and original payload.
 */
const PERSONAL_CONTAINERS = new Set([
  'attributes',
  'jsonbody',
  'filebody',
  'params',
  'properties',
  'richtext',
  'title',
  'caption',
  'blocks',
  'attachments',
  'contact',
  'items',
  // A notification event on its lane: the platform's custom event and the payload it came from.
  'custom',
  'raw',
]);

/**
 * Personal containers whose own keys are names a person chose (a Brevo attribute, a Notion
 * property, a template parameter): a property named `Status` or an attribute named `DATE` is not
 * the structure of the same name, its value stays personal.
 */
const NAMED_CONTAINERS = new Set(['attributes', 'properties', 'params']);

/**
 * In personal content, the keys whose values are structure, kept (redacted as text like any
 * string): what a person debugging needs to tell which block, action, channel, message or event it
 * was. Every other string or number in personal content is personal.
 */
const STRUCTURAL_KEYS = new Set([
  'type',
  'subtype',
  'object',
  'id',
  'ids',
  'format',
  'color',
  'style',
  'blockid',
  'actionid',
  'callbackid',
  'triggerid',
  'viewid',
  'hash',
  'externalid',
  'channel',
  'channelid',
  'team',
  'teamid',
  'enterpriseid',
  'user',
  'userid',
  'botid',
  'appid',
  'apiappid',
  'ts',
  'threadts',
  'messagets',
  'eventts',
  'eventtime',
  'postat',
  'scheduledmessageid',
  'ok',
  'error',
  'errors',
  'warning',
  'needed',
  'provided',
  'messages',
  'mrkdwn',
  'emoji',
  'verbatim',
  'unfurllinks',
  'unfurlmedia',
  'replybroadcast',
  'event',
  'occurredat',
  'date',
  'datesent',
  'dateevent',
  'tssent',
  'tsevent',
  'listid',
  'listids',
  'unlinklistids',
  'extid',
  'campid',
  'templateid',
  'messageid',
  'tag',
  'currency',
  'priority',
  'status',
  'code',
]);

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/** Whether a key's value is a secret or personal data, whatever the value looks like. */
export function isSensitiveKey(key: string): boolean {
  const k = normalizeKey(key);
  return SECRET_KEYS.has(k) || PERSONAL_KEYS.has(k);
}

/** The token-shaped substrings of a text (the test run's secret scan looks for them). */
export function findTokenShapes(text: string): string[] {
  const found: string[] = [];
  for (const pattern of TOKEN_PATTERNS) for (const m of text.matchAll(pattern)) found.push(m[0]);
  return found;
}

/**
 * The most of one text the patterns read. Nothing logs more (bodies are cut to 2,000 characters),
 * and V8's regexp engine can overflow its backtracking stack on a multi-megabyte run, so a longer
 * text is cut first, and its last, possibly partial word dropped, so no token is left half-shown.
 */
const MAX_REDACTED_TEXT = 64 * 1024;

/** The text up to its last whitespace (a loop, not a regexp: linear whatever the text). */
function withoutLastWord(text: string): string {
  let end = text.length;
  while (end > 0 && !/\s/.test(text.charAt(end - 1))) end -= 1;
  return text.slice(0, end);
}

/** Free text without tokens, emails and phone numbers. */
export function redactText(text: string): string {
  let out = text;
  if (out.length > MAX_REDACTED_TEXT)
    out = `${withoutLastWord(out.slice(0, MAX_REDACTED_TEXT))}… (${text.length} chars)`;
  try {
    for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, (_m, prefix: string) => `${prefix}${REDACTED}`);
    return out.replace(EMAIL, '[email]').replace(PHONE, '[phone]').replace(NOTION_PAGE_URL, '$1$2');
  } catch {
    // A text the patterns cannot read is not logged at all: never a secret, never a crash.
    return `[unredactable text, ${text.length} chars]`;
  }
}

/** How much of a value is personal: only what its keys say, or all of it but its structure. */
export type Personal = 'keys' | 'all';

/**
 * A copy of a value fit for a log: sensitive keys' values replaced, every string redacted, personal
 * containers kept as structure. `personal: 'all'` treats the whole value as personal content (a
 * Slack message, an inbound event). Errors are left as they are: the logger's formatter redacts
 * them when it turns them into text.
 */
export function redactValue(value: unknown, personal: Personal = 'keys'): unknown {
  return walk(value, personal === 'all', personal !== 'all', 0);
}

/**
 * One pass over the value. `inPersonal`: inside personal content; `kept`: the nearest key is
 * structural there (or we are not inside personal content), so a primitive keeps its value.
 */
function walk(value: unknown, inPersonal: boolean, kept: boolean, depth: number, named = false): unknown {
  if (typeof value === 'string') return inPersonal && !kept && value !== '' ? REDACTED : redactText(value);
  if (typeof value === 'number' || typeof value === 'bigint') return inPersonal && !kept ? REDACTED : value;
  if (value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (depth > 12) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => walk(v, inPersonal, kept, depth + 1, named));
  if (value instanceof Date) return value;
  if (value instanceof URLSearchParams) return redactForm(value.toString(), inPersonal ? 'all' : 'keys');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = normalizeKey(k);
    if ((SECRET_KEYS.has(key) || PERSONAL_KEYS.has(key)) && v !== undefined && v !== null && v !== '') {
      out[k] = REDACTED;
    } else if (named) {
      out[k] = walk(v, true, false, depth + 1);
    } else if (inPersonal || PERSONAL_CONTAINERS.has(key)) {
      const container = PERSONAL_CONTAINERS.has(key);
      out[k] = walk(v, true, !container && STRUCTURAL_KEYS.has(key), depth + 1, NAMED_CONTAINERS.has(key));
    } else {
      out[k] = walk(v, false, true, depth + 1);
    }
  }
  return out;
}

export interface BodyOptions {
  /** At most this many characters (2,000 unless said). */
  max?: number;
  /** `all`: the whole body is personal content but its structure (a client's personalBodies, a connector's inboundBodies). */
  personal?: Personal;
}

/**
 * A request or response body as one redacted line, at most `max` characters: JSON and form bodies
 * are redacted by key, anything else as text. Linear in the body's size.
 */
export function redactBody(body: string, contentType = '', options: BodyOptions = {}): string {
  const { max = 2_000, personal = 'keys' } = options;
  const trimmed = body.trim();
  let text: string;
  if (/json/i.test(contentType) || /^[[{]/.test(trimmed)) {
    try {
      text = JSON.stringify(redactValue(JSON.parse(trimmed), personal));
    } catch {
      text = redactText(trimmed);
    }
  } else if (/x-www-form-urlencoded/i.test(contentType)) {
    text = redactForm(trimmed, personal);
  } else {
    text = redactText(trimmed);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** A form body (Slack's Web API arguments) as JSON, its fields redacted; JSON fields inside too. */
function redactForm(form: string, personal: Personal): string {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(form)) {
    let value: unknown = v;
    if (/^[[{]/.test(v.trim())) {
      try {
        value = JSON.parse(v);
      } catch {
        // a field that only looks like JSON stays text
      }
    }
    fields[k] = value;
  }
  return JSON.stringify(redactValue(fields, personal));
}

/**
 * A URL path or query fit for a log: ids stay (they are what a person debugging needs), emails in
 * a path (Brevo's `/v3/contacts/{email}`) and token-shaped segments go; every query parameter
 * named like a secret (`code`, `state`, `token`...) loses its value.
 */
export function redactUrlPart(pathOrQuery: string): string {
  const [path = '', query] = pathOrQuery.split('?', 2);
  const safePath = redactText(path);
  if (query === undefined) return safePath;
  return `${safePath}?${redactQuery(query)}`;
}

/** OAuth's `code` and `state` are credentials while they live, like tokens. */
const SECRET_QUERY_KEYS = new Set(['code', 'state']);

export function redactQuery(query: string): string {
  const params = new URLSearchParams(query);
  const out: string[] = [];
  for (const [k, v] of params) {
    const secret = isSensitiveKey(k) || SECRET_QUERY_KEYS.has(normalizeKey(k));
    out.push(`${encodeURIComponent(k)}=${secret ? REDACTED : redactText(v)}`);
  }
  return out.join('&');
}
