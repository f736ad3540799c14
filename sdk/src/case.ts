/**
 * The docs pass credentials in camelCase (`botToken`, `signingSecret`, `shopUrl`); the API takes a
 * connector's section as tajo.yaml writes it (`bot_token`...). Only lower camelCase identifiers are
 * renamed: a Notion property (`Deal Value`), a Brevo attribute (`FIRSTNAME`) or a channel alias
 * keeps its spelling, and the maps keyed by the user's own names are left as they are.
 */
const USER_KEYED = new Set(['field_mapping', 'channels', 'notifications', 'mapping', 'headers', 'properties']);

export const snakeKey = (key: string): string =>
  /^[a-z][a-zA-Z0-9]*$/.test(key) ? key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase() : key;

export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = snakeKey(k);
    out[key] = USER_KEYED.has(key) ? v : snakeKeys(v);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}
