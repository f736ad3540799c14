export type { CoerceOptions } from './coerce';
export { coerceToAttribute, coerceToIdentifier, normalizeEmail, normalizePhone, toBrevoDate } from './coerce';
export { extractedToStrings, formatNumber } from './extracted';
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
} from './types';
