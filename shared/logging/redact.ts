/**
 * The one redaction every log path goes through (the functions' Powertools logger, API call lines,
 * the local stack's printing, the CLI's error line): tokens and personal data never reach a log.
 *
 * Two layers. Free text loses every token shape the providers and this service issue, every email
 * address and every international phone number. Structured values additionally lose the values of
 * keys that hold secrets (authorization, api-key, token, signing_secret...) or personal data
 * (email, SMS, FIRSTNAME, real_name...), whatever their shape.
 */

export const REDACTED = '[redacted]';

/**
 * Token shapes (reference/*.md). The prefix is kept so a log still says which kind of credential
 * was there. Lengths are lower bounds that keep ordinary words (`secret_ref`) out.
 */
const TOKEN_PATTERNS: readonly RegExp[] = [
  // Whatever follows an HTTP auth scheme (first: the value may itself have a known shape): a value
  // with a digit, or a long one, so that prose ("missing bearer token") stays readable.
  /\b(Bearer\s+|Basic\s+)(?:(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{6,}|[A-Za-z0-9._~+/=-]{16,})/gi,
  // Notion internal integration tokens (ntn_…) and the older secret_… form, also Notion webhook
  // verification tokens.
  /\b(ntn_)[A-Za-z0-9_-]{6,}/g,
  /\b(secret_)[A-Za-z0-9_-]{6,}/g,
  // Slack: bot, user, app-level, configuration and rotating tokens (xoxb-, xoxp-, xoxe.xoxb-, xoxe-1-, xapp-).
  /\b(xox[abeoprs](?:\.xox[a-z])?-)[A-Za-z0-9-]{6,}/g,
  /\b(xapp-)[A-Za-z0-9-]{6,}/g,
  // Brevo API and SMTP keys.
  /\b(xkeysib-)[A-Za-z0-9-]{6,}/g,
  /\b(xsmtpsib-)[A-Za-z0-9-]{6,}/g,
  // This service's management API keys and Brevo webhook tokens (shared/services/api.ts newApiKey).
  /\b(tajo_)[A-Za-z0-9_-]{16,}/g,
  /\b(whk_)[A-Za-z0-9_-]{16,}/g,
];

const EMAIL = /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** `+<country><number>` with the usual separators: Brevo's SMS form, Notion and Slack phone fields. */
const PHONE = /\+\d[\d ().-]{6,}\d/g;

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

/** Free text without tokens, emails and phone numbers. */
export function redactText(text: string): string {
  let out = text;
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, (_m, prefix: string) => `${prefix}${REDACTED}`);
  return out.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

/**
 * A copy of a value fit for a log: sensitive keys' values replaced, every string redacted. Errors
 * are left as they are: the logger's formatter redacts them when it turns them into text.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (depth > 12) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Date) return value;
  if (value instanceof URLSearchParams) return redactForm(value.toString());
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSensitiveKey(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}

/**
 * A request or response body as one redacted line, at most `max` characters: JSON and form bodies
 * are redacted by key, anything else as text.
 */
export function redactBody(body: string, contentType = '', max = 2_000): string {
  const trimmed = body.trim();
  let text: string;
  if (/json/i.test(contentType) || /^[[{]/.test(trimmed)) {
    try {
      text = JSON.stringify(redactValue(JSON.parse(trimmed)));
    } catch {
      text = redactText(trimmed);
    }
  } else if (/x-www-form-urlencoded/i.test(contentType)) {
    text = redactForm(trimmed);
  } else {
    text = redactText(trimmed);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** A form body (Slack's Web API arguments) as JSON, its fields redacted; JSON fields inside too. */
function redactForm(form: string): string {
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
  return JSON.stringify(redactValue(fields));
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
