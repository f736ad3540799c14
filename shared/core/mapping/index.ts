export {
  extractedToStrings,
  extractNotionValue,
  formatNumber,
  mayBeTruncated,
  NOTION_REFERENCE_LIMIT,
} from '../../connectors/notion/mapping/values';
export type { CoerceOptions } from './coerce';
export { coerceToAttribute, coerceToIdentifier, normalizeEmail, normalizePhone, toBrevoDate } from './coerce';
export { fingerprint } from './fingerprint';
export { maskPersonal } from './mask';
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
