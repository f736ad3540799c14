/**
 * The definition engine: a definition (data) → a working connector. Provider-free: it imports only
 * the core. The integration wires these into the contact writer, the lanes, the routes and the CLI.
 */
export {
  type AuthSession,
  authSession,
  type ConnectionIssue,
  type ConnectionSettings,
  connectionIssues,
  credentialNeeds,
  type OAuthTokens,
  resolveBaseUrl,
} from './auth';
export {
  type CustomSection,
  contactFields,
  effectiveMode,
  enabledResources,
  type SectionIssue,
  type SyncMode,
  sectionIssues,
  sectionWarnings,
} from './config-checks';
// The file loader (definition/load.ts) imports users' modules: the local CLI and npm start import it directly.
export { parseDefinitionText } from './definition/parse';
export {
  type Definition,
  DefinitionError,
  type DefinitionInput,
  definitionSchema,
  looseKey,
  normalizeDefinition,
  type ResourceDefinition,
  unsignedWebhooksWarning,
  type WebhookDefinition,
} from './definition/schema';
export { getPath, parsePath } from './paths';
export { probeConnection } from './probe';
export {
  type PlatformClient,
  platformClient,
  type ReadResourceOptions,
  type ResourcePage,
  readResource,
} from './reader';
export {
  type ContactPlanEntry,
  contactPlan,
  contactRowFor,
  eventBodyFor,
  type MappedRecord,
  mapRecord,
  upperSnake,
} from './records';
export { type SignatureVerdict, verifyDelivery } from './signature';
export { deliveryId, matchWebhook, normalizeWebhookPath, webhookPayload } from './webhooks';
