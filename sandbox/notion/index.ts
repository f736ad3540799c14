/**
 * NotionSimulator: an in-process Notion API (loopback HTTP) that enforces the documented behaviour a
 * sync client must cope with — bearer auth, the Notion-Version header and its three live versions,
 * a per-token rate limit with Retry-After, minute-rounded timestamps, cursor pagination with
 * page_size ≤ 100, the per-query result cap with its `request_status` signal, trash semantics, the
 * 25-reference limit on relations and people, and 404s for databases not shared with the integration.
 *
 * Response choices:
 * - A query page that is NOT cut by the cap carries no `request_status` field at all; only the page
 *   that reaches the cap has `request_status: {type:'incomplete', incomplete_reason:'query_result_limit_reached'}`.
 * - Default query order: created_time descending; every ordering breaks ties by page id ascending.
 * - Trashing/restoring a page does not change its last_edited_time (detect trash with an in_trash query).
 * - List `type` is `page_or_data_source` on 2025-09-03+ and `page_or_database` on 2022-06-28 (as in
 *   real 2022-era responses).
 * - On 2022-06-28 a database with several data sources fails (400 validation_error) for both
 *   GET /v1/databases/:id and its query, as the upgrade guide documents.
 * - Timestamp filter operands are compared to the millisecond against the minute-rounded stored
 *   values (a watermark with seconds misses edits made earlier in that minute — as in Notion).
 * - failNext() faults are served before auth, version and rate-limit checks.
 *
 * Content (blocks, standalone pages, markdown, files, webhooks):
 * - Standalone pages (addContentPage, POST /v1/pages with a page parent) are shared by default;
 *   unsharePage() on a workspace page hides its whole subtree (404 object_not_found everywhere).
 * - A child page is also a child_page block of its parent with the same id; GET /v1/blocks/:id of
 *   any page answers a child_page block. A synced copy lists its original's children.
 * - Block children cursors name the next block, so appends between two pages do not shift them.
 * - Capabilities (options.capabilities / tokenCapabilities / setCapabilities): missing read, update
 *   or insert content → 403 restricted_resource on the routes that need it; user information `none`
 *   → 403 on GET /v1/users and /v1/users/:id (GET /v1/users/me, the integration itself, still works);
 *   `without_email` → `person: {}` everywhere, people property values included.
 * - Notion-hosted files are served by a second loopback listener (filesBaseUrl) with S3-style signed
 *   URLs valid 1 h on the simulator clock; downloads are not API requests (see files.ts).
 * - Page writes through the API emit webhook events only after subscribeWebhooks() (see webhooks.ts).
 * - OAuth of public connections (options.oauthClients, `sim.oauth`): `POST /v1/oauth/token` with Basic
 *   client auth (no Notion-Version, no rate limit), codes from the control API or the sandbox consent
 *   route `GET /__sandbox/oauth/authorize`; tokens it issues join the accepted bearer tokens, and a
 *   refresh rolls them (see oauth.ts).
 *
 * The simulator is built in layers, one concept per file, each extending the one before:
 * NotionControl (control.ts: state, options, the control API, webhook emission) <- NotionGateway
 * (gateway.ts: auth, versions, capabilities, rate limits, faults, request parsing, visibility) <-
 * UsersEndpoints <- DataSourcesEndpoints <- PagesEndpoints <- BlocksEndpoints <- SearchEndpoints
 * (endpoints/) <- NotionSimulator (index.ts: the routes).
 */

import type { NotionSimulatorOptions } from './control';
import { SearchEndpoints } from './endpoints/search';
import { REFERENCE_LIMIT } from './values';

export {
  b as blocks,
  type DocsTree,
  type DocsTreeOptions,
  pdfOnlyContent,
  realisticContent,
  seedDocsTree,
  TINY_PDF,
  TINY_PNG,
} from './content';
export type { ContentPageInfo, NotionSimStats, NotionSimulatorOptions, WebhookSubscriptionOptions } from './control';
export { FILE_URL_TTL_SECONDS } from './files';
export { markdownToBlocks, richTextToMarkdown } from './markdown';
export {
  INSTALLER_ID,
  NOTION_CODE_TTL_MS,
  NotionOAuth,
  type NotionOAuthClientInput,
  type NotionOAuthRequest,
} from './oauth';
export type * from './types';
export { BLOCK_TYPES, NOTION_VERSIONS, PROPERTY_TYPES } from './types';
export { richText } from './values';
export {
  MAX_WEBHOOK_ATTEMPTS,
  NotionWebhookSender,
  sendEvent,
  sendVerification,
  signWebhookBody,
  type WebhookDelivery,
  type WebhookEventInput,
  type WebhookEventResult,
  type WebhookSenderOptions,
} from './webhooks';

export class NotionSimulator extends SearchEndpoints {
  constructor(options: NotionSimulatorOptions = {}) {
    super(options);
    // Basic auth, no Notion-Version, no rate limit: see before().
    this.route('POST', '/v1/oauth/token', (req) => this.oauth.tokenRoute(req));
    this.route('GET', '/__sandbox/oauth/authorize', (req) => this.oauth.authorizeRoute(req));

    this.api('GET', '/v1/users/me', () => this.store.renderUser(this.store.bot.id));
    this.api('GET', '/v1/users', (c) => this.listUsers(c));
    this.api('GET', '/v1/users/:user_id', (c) => this.getUser(c));
    this.api('GET', '/v1/databases/:database_id', (c) => this.getDatabase(c));
    this.api('POST', '/v1/databases/:database_id/query', (c) => this.queryDatabase(c));
    this.api('GET', '/v1/data_sources/:data_source_id', (c) => this.getDataSource(c));
    this.api('POST', '/v1/data_sources/:data_source_id/query', (c) => this.queryDataSource(c));
    this.api('POST', '/v1/pages', (c) => this.createPage(c));
    this.api('GET', '/v1/pages/:page_id', (c) => this.getPageRoute(c));
    this.api('PATCH', '/v1/pages/:page_id', (c) => this.patchPage(c));
    this.api('GET', '/v1/pages/:page_id/markdown', (c) => this.getMarkdown(c));
    this.api('GET', '/v1/blocks/:block_id', (c) => this.getBlockRoute(c));
    this.api('GET', '/v1/blocks/:block_id/children', (c) => this.listChildren(c));
    this.api('PATCH', '/v1/blocks/:block_id/children', (c) => this.appendChildren(c));
    this.api('GET', '/v1/pages/:page_id/properties/:property_id', (c) => this.getPageProperty(c));
    this.api('POST', '/v1/search', (c) => this.search(c));
  }
}

export { REFERENCE_LIMIT };
