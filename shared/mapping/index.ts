export type { CoerceOptions } from './coerce';
export { coerceToAttribute, coerceToIdentifier, normalizeEmail, normalizePhone, toBrevoDate } from './coerce';
export { fingerprint } from './fingerprint';
export { maskPersonal } from './mask';
export { extractedToStrings, extractNotionValue, formatNumber, mayBeTruncated, NOTION_REFERENCE_LIMIT } from './notion';
export { callingCodeForTimeZone } from './time-zones';
export type {
  BrevoAttribute,
  BrevoAttributeType,
  BrevoValue,
  Coerced,
  Extracted,
  IdentifierTarget,
  NotionPropertyValue,
} from './types';
