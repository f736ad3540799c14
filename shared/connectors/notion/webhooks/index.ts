/**
 * Notion webhooks (hybrid mode: webhooks for speed, the 4-hourly poll as the backstop) and page
 * change events for Brevo.
 *
 * Ingress (`POST /webhooks/notion/{tenantId}`), answered at once:
 * - the unsigned handshake `{verification_token}` stores the token as the tenant's *pending* token;
 * - an event must carry `X-Notion-Signature: sha256=<hex>` = HMAC-SHA256 of the raw body keyed by the
 *   confirmed token or the pending one (the first valid event confirms the pending token);
 * - a page event puts the page in the tenant's page inbox (one DynamoDB item per page, events
 *   merged) and queues one `notion.pages.fetch` lane message unless one is already queued, so a
 *   burst of events becomes one lane message, never one per page.
 *
 * Worker (lane message `notion.pages.fetch`): fetches a chunk of inbox pages through the paced
 * gateway; a page of a synced database queues an incremental sync (the engine writes the row: the
 * mapping and writer are not forked here); with `sync.pages` each page change becomes one Brevo
 * event. The poller's incremental sync emits the same events through `emitPageEvent`, and both
 * dedupe on (page id, last_edited_time), so a webhook and the poll seeing one edit send one event.
 */ export { PAGES_PER_FETCH } from './inbox';
export { handleNotionPagesFetch, type PagesFetchDeps, type PagesFetchResult } from './inbox-fetch';
export {
  acceptNotionWebhook,
  type NotionIngressDeps,
  type NotionWebhookEvent,
  type NotionWebhookView,
  notionWebhookView,
  PAGE_EVENT_TYPES,
  readNotionWebhookEvent,
  revealNotionWebhook,
  tokenHint,
  verifyNotionSignature,
} from './ingress';
export { emitPageEvent, type PageChange, type PageEventDeps } from './page-events';
