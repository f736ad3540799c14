/**
 * Types shared by the mapping functions (a source's values → Brevo attributes). The sync engines
 * are written against these names and shapes; change them only together with them.
 */

export type BrevoAttributeType = 'text' | 'date' | 'float' | 'boolean' | 'id' | 'category' | 'multiple-choice' | 'user';

export interface BrevoAttribute {
  name: string; // UPPER CASE
  category: 'normal' | 'transactional' | 'category' | 'calculated' | 'global';
  type?: BrevoAttributeType; // category attributes may omit it (treat as 'category')
  enumeration?: { value: number; label: string }[];
  multiCategoryOptions?: string[];
}

/** What a source's value (a Notion property, a Slack profile field) means, independent of where it goes. */
export type Extracted =
  | { kind: 'empty' }
  | { kind: 'text'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'date'; start: string; end?: string } // ISO date or datetime as Notion gives it
  | { kind: 'list'; value: string[] };

export type BrevoValue = string | number | boolean | string[];

export type Coerced = { ok: true; value: BrevoValue | null } | { ok: false; reason: string };

/** Identifier targets are not account attributes: email is the contact key; SMS/WHATSAPP/LANDLINE_NUMBER are phone identifiers; EXT_ID is the external id. */
export type IdentifierTarget = 'EMAIL' | 'SMS' | 'WHATSAPP' | 'LANDLINE_NUMBER' | 'EXT_ID';
