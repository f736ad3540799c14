/**
 * How a key is named in error messages, everywhere (config, notification templates and events):
 * `['connectors', 'notion', 'databases', 0, 'id']` → `connectors.notion.databases[0].id`; keys that
 * are not identifiers are quoted: `field_mapping["Signup date"]`. No I/O here.
 */
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      out += IDENT.test(key) ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
