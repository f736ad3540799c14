export { MAX_LIST_MEMBERS_PER_CALL } from './endpoints/contacts';
export { MAX_EVENT_PROPERTIES_BYTES } from './endpoints/events';
export { MAX_IMPORT_BYTES } from './endpoints/imports';
export type {
  AttributeCategory,
  AttributeDef,
  AttributeInput,
  AttributeType,
  AttributeValue,
  EnumerationItem,
  ErrorBody,
  IgnoredAttributeValue,
  SimContact,
  WriteSource,
} from './model';
export { ApiError } from './model';
export { BrevoSimulator } from './simulator';
export type * from './types';
