/**
 * The SDK's names for the management API's requests and answers. Every one comes from
 * api-types.gen.ts, generated (`npm run openapi`) from the zod schemas that check the requests and
 * answers on the server, so a change there changes these. What the API does not describe stays
 * here: the payloads of delivered events (docs/events.md).
 */
import type { OperationId, Operations, RunSummary } from './api-types.gen';

/** The request body of an operation (by its operationId in docs/openapi.json). */
export type BodyOf<K extends OperationId> = Operations[K]['body'];
/** The answer of an operation with status `S`. */
export type AnswerOf<K extends OperationId, S extends keyof Operations[K]['answers']> = Operations[K]['answers'][S];

/** A refusal: `{ error, code?, issues?, retryAfterSeconds? }` (a TajoError carries its fields). */
export type { ApiError } from './api-types.gen';

/** A connector's section as in tajo.yaml, camelCase or snake_case keys (`botToken` is sent as `bot_token`). */
export type ConnectorCredentials = BodyOf<'connectConnector'>;
export type ConnectResult = AnswerOf<'connectConnector', 200>;
export type DisconnectReport = AnswerOf<'disconnectConnector', 200>;
export type BrevoConnection = AnswerOf<'connectBrevo', 200>;
export type ConnectionList = AnswerOf<'listConnections', 200>;

export type SyncRequest = BodyOf<'syncConnector'>;
export type SyncAnswer = AnswerOf<'syncConnector', 202>;
export type RunRecord = AnswerOf<'getRun', 200>;
export type SyncSummary = RunSummary;

/** A connection's status; Notion's is NotionStatus (the docs' fields). */
export type ConnectorStatus = AnswerOf<'connectorStatus', 200>;
export type NotionStatus = Extract<ConnectorStatus, { connector: 'notion' }>;
export type ConnectionTest = AnswerOf<'testConnector', 200>;
export type TestRequest = BodyOf<'testConnector'>;

export type QueryRequest = BodyOf<'queryNotion'>;
export type QueryAnswer = AnswerOf<'queryNotion', 200>;
/** A Notion page as Notion's API returns it. */
export type NotionPage = QueryAnswer['results'][number];
export type CreatePageRequest = BodyOf<'createNotionPage'>;
export type CreatePageAnswer = AnswerOf<'createNotionPage', 201>;

export type NotifyRequest = BodyOf<'notifySlack'>;
export type NotifyAnswer = AnswerOf<'notifySlack', 202>;

export type EventEndpointRequest = BodyOf<'createEventEndpoint'>;
/** The answer of POST /event-endpoints: the signing secret is shown this once. */
export type CreatedEventEndpoint = AnswerOf<'createEventEndpoint', 201>;
export type EventEndpointList = AnswerOf<'listEventEndpoints', 200>;
export type EventEndpoint = EventEndpointList['endpoints'][number];
export type EventEndpointDeleted = AnswerOf<'deleteEventEndpoint', 200>;

export type MeAnswer = AnswerOf<'getMe', 200>;

// ---- Not in the API's document: what the service delivers to an endpoint (docs/events.md).

/** What every delivered event carries. */
export interface TajoEventBase {
  id: string;
  type: string;
  createdAt: string;
  tenantId: string;
}

export interface ContactRef {
  email: string;
  /** FIRSTNAME and LASTNAME as Brevo sent them, joined; absent when it sent neither. */
  name?: string;
  /** Brevo's contact id, when known. */
  id?: string | number;
  /** The attribute values the webhook carried. */
  attributes?: Record<string, unknown>;
}

/** A run's end as delivered (sync.completed, sync.failed). */
interface RunEnd {
  connector: string;
  runId: string;
  mode: RunRecord['mode'];
  /** A connector's other job (users, documents, publish). */
  job?: RunRecord['job'];
  trigger: RunRecord['trigger'];
  summary: SyncSummary;
}

/** The fields of the event types docs/events.md documents; any other type is a TajoEventBase with its fields. */
export interface TajoEventFields {
  'contact.attribute_updated': {
    contact: ContactRef;
    /** Brevo's attribute name, e.g. LIFECYCLE_STAGE (one event per changed attribute). */
    attribute: string;
    value: unknown;
    previousValue?: unknown;
    /** The change was made with one of the tenant's own Brevo keys (an echo of a sync's write). */
    ownWrite?: boolean;
  };
  'contact.created': { contact: ContactRef; listIds: number[] };
  'contact.unsubscribed': { contact: ContactRef; campaign?: { id: number; name: string } };
  'sync.completed': RunEnd;
  'sync.failed': RunEnd & { error?: string };
}
