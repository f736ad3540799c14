/** Notion's API for the connector: the paced gateway, and the shapes of what it answers. */
export { explainNotionError } from './errors';
export { NOTION_DEFAULT_BASE_URL, NOTION_INTERVAL_MS, NotionGateway, type NotionGatewayOptions } from './gateway';
export { notionPacer } from './pacing';
export {
  type DataSourceRef,
  type NotionPage,
  type NotionPageMeta,
  type NotionUser,
  type NotionUsersPage,
  notionPageMetaSchema,
  notionPageSchema,
  pageTitle,
  type QueryArgs,
  type QueryPage,
  type SchemaProperty,
  type SearchArgs,
  type SearchHit,
  type SearchPage,
} from './shapes';
