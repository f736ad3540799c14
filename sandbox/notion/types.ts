/**
 * Public input types of the Notion simulator's control API, and the internal records it stores.
 * Property values are stored in (or close to) their API response shape so rendering is cheap.
 */

export const NOTION_VERSIONS = ['2022-06-28', '2025-09-03', '2026-03-11'] as const;
export type NotionVersion = (typeof NOTION_VERSIONS)[number];

export const PROPERTY_TYPES = [
  'title',
  'rich_text',
  'number',
  'select',
  'multi_select',
  'status',
  'date',
  'people',
  'files',
  'checkbox',
  'url',
  'email',
  'phone_number',
  'formula',
  'relation',
  'rollup',
  'created_time',
  'created_by',
  'last_edited_time',
  'last_edited_by',
  'unique_id',
  'button',
  'verification',
  'place',
] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

export type SelectColor =
  | 'default'
  | 'gray'
  | 'brown'
  | 'orange'
  | 'yellow'
  | 'green'
  | 'blue'
  | 'purple'
  | 'pink'
  | 'red';

export interface SelectOptionInput {
  name: string;
  id?: string;
  color?: SelectColor;
  description?: string | null;
}

/**
 * A data source property definition. Only `type` is required. Config can be given in the short
 * form (`options`, `format`, `prefix`, `expression`, `relation`, `rollup`) or in Notion's own shape
 * (`{type:'select', select:{options:[...]}}`).
 */
export interface PropertySchema {
  type: PropertyType;
  /** Stable property id (URL-encoded like Notion's, e.g. `%3FxYz`). Generated when absent. */
  id?: string;
  description?: string | null;
  /** select / multi_select / status options (names or full options). Unknown names used in values are added. */
  options?: Array<string | SelectOptionInput>;
  /** number format, default `number`. */
  format?: string;
  /** unique_id prefix, default null. */
  prefix?: string | null;
  /** formula expression (informational). */
  expression?: string;
  /** relation target. */
  relation?: { dataSourceId?: string; databaseId?: string; data_source_id?: string; database_id?: string };
  /** rollup config (informational). */
  rollup?: {
    function?: string;
    relationProperty?: string;
    rollupProperty?: string;
    relation_property_name?: string;
    rollup_property_name?: string;
  };
  [config: string]: unknown;
}

export interface DataSourceInput {
  id?: string;
  name: string;
  properties: Record<string, PropertySchema>;
}

export interface DatabaseInput {
  id?: string;
  title: string;
  /** One entry per data source. When omitted, one data source named like the database is created from `properties`. */
  dataSources?: DataSourceInput[];
  /** Convenience for the single-data-source case. */
  properties?: Record<string, PropertySchema>;
  /** false: the integration cannot see the database (404 on every route). Default true. */
  shared?: boolean;
}

/** A time given as epoch ms, ISO string or Date. Stored rounded down to the minute. */
export type TimeInput = number | string | Date;

/**
 * Simple property values accepted by addPage/updatePage, by property name:
 * - title / rich_text: string (or a RichText[] in API shape)
 * - number: number | null; checkbox: boolean; url / email / phone_number: string | null
 * - select / status: option name | null; multi_select: string[]
 * - date: ISO string | {start, end?, time_zone?} | null
 * - people: user ids; relation: page ids
 * - files: [{name, url}] (external) or [{name, url, type:'file', expiry_time?}]
 * - formula: {type, <type>: value} or a bare string/number/boolean
 * - rollup: the full rollup value; unique_id: {prefix, number} or a number
 * - verification: {state, date?, verified_by?}; place: {lat, lon, ...} | null
 * created_time / last_edited_time / created_by / last_edited_by mirror the page's metadata.
 */
export type SimpleValue = unknown;

export interface PageInput {
  id?: string;
  properties?: Record<string, SimpleValue>;
  createdTime?: TimeInput;
  lastEditedTime?: TimeInput;
  /** user id; default: the integration's bot user. */
  createdBy?: string;
  lastEditedBy?: string;
  inTrash?: boolean;
}

export interface UserInput {
  id?: string;
  name: string;
  type: 'person' | 'bot';
  email?: string;
  avatarUrl?: string | null;
  /** A page guest: GET /v1/users leaves guests out; GET /v1/users/:id still finds them (notion.md §7). */
  guest?: boolean;
}

export interface PropertyInfo {
  id: string;
  name: string;
  type: PropertyType;
}

export interface DataSourceInfo {
  id: string;
  databaseId: string;
  name: string;
  properties: Record<string, PropertyInfo>;
}

export interface DatabaseInfo {
  id: string;
  title: string;
  shared: boolean;
  dataSources: DataSourceInfo[];
}

export interface PageInfo {
  id: string;
  dataSourceId: string;
  databaseId: string;
  createdTime: string;
  lastEditedTime: string;
  inTrash: boolean;
}

// ---------------------------------------------------------------------------------------------
// Internal records

export interface OptionDef {
  id: string;
  name: string;
  color: SelectColor;
  description: string | null;
}

export interface PropDef {
  id: string;
  /** decodeURIComponent(id): what a request path segment decodes to. */
  decodedId: string;
  name: string;
  type: PropertyType;
  description: string | null;
  options: OptionDef[];
  optionsByName: Map<string, OptionDef>;
  format: string;
  prefix: string | null;
  expression: string;
  relationDataSourceId: string | null;
  relationDatabaseId: string | null;
  rollup: { function: string; relationProperty: string; rollupProperty: string };
}

/** Where a page that is not a data source row lives. */
export type StandaloneParent = { type: 'workspace' } | { type: 'page_id' | 'block_id'; id: string };

export interface PageRec {
  id: string;
  /** null for a standalone page (child of a page, a block or the workspace). */
  dataSourceId: string | null;
  databaseId: string | null;
  /** Set exactly when dataSourceId is null. */
  parent: StandaloneParent | null;
  /** Standalone pages: explicitly shared (true) or not (false); null inherits from the parent page. */
  shared: boolean | null;
  createdTime: number;
  lastEditedTime: number;
  createdBy: string;
  lastEditedBy: string;
  inTrash: boolean;
  isLocked: boolean;
  icon: unknown;
  cover: unknown;
  /** Stored values by property name (relation/people: id arrays; others: API value shape). */
  values: Record<string, unknown>;
}

export interface DataSourceRec {
  id: string;
  databaseId: string;
  name: string;
  props: Map<string, PropDef>;
  createdTime: number;
  lastEditedTime: number;
  pages: Map<string, PageRec>;
  nextUniqueId: number;
}

export interface DatabaseRec {
  id: string;
  title: string;
  shared: boolean;
  createdTime: number;
  lastEditedTime: number;
  dataSources: DataSourceRec[];
}

export interface UserRec {
  id: string;
  name: string;
  type: 'person' | 'bot';
  email: string | null;
  avatarUrl: string | null;
  guest: boolean;
}

// ---------------------------------------------------------------------------------------------
// Content: blocks, files, capabilities

/** Text blocks: rich_text content, and they may hold children (the head of the SDK's list below). */
export const TEXT_BLOCK_TYPES = [
  'paragraph',
  'heading_1',
  'heading_2',
  'heading_3',
  'heading_4',
  'bulleted_list_item',
  'numbered_list_item',
  'quote',
  'to_do',
  'toggle',
] as const;

/** Block types of the SDK's BlockObjectResponse (v5.26.0, notion.md §6). */
export const BLOCK_TYPES = [
  ...TEXT_BLOCK_TYPES,
  'template',
  'synced_block',
  'child_page',
  'child_database',
  'equation',
  'code',
  'callout',
  'divider',
  'breadcrumb',
  'table_of_contents',
  'tab',
  'column_list',
  'column',
  'link_to_page',
  'table',
  'table_row',
  'meeting_notes',
  'transcription',
  'embed',
  'bookmark',
  'image',
  'video',
  'pdf',
  'file',
  'audio',
  'link_preview',
  'unsupported',
] as const;
export type BlockType = (typeof BLOCK_TYPES)[number];

/**
 * A block to seed (control API) or append (PATCH /v1/blocks/:id/children): Notion's request shape,
 * `{type, <type>: {...}, children?}`. Seeding also accepts what the API cannot create:
 * - `id` (e.g. so a synced copy can point at its original),
 * - Notion-hosted files: `{type:'image', image:{type:'file', file:{name?, content?, content_type?}}}`,
 * - `child_page: {title}` with `children` (a standalone child page with that content),
 * - `child_database: {title}` with `id` = an existing database id,
 * - meeting_notes / transcription / unsupported blocks.
 */
export interface BlockInput {
  id?: string;
  type?: BlockType;
  children?: BlockInput[];
  [key: string]: unknown;
}

export interface BlockRec {
  id: string;
  type: BlockType;
  /** The type-specific payload in response shape, except hosted files, which keep `fileKey` instead of a URL. */
  data: Record<string, unknown>;
  parent: { type: 'page_id' | 'block_id'; id: string };
  /** The page whose content holds the block (sharing and last_edited_time follow it). */
  pageId: string;
  createdTime: number;
  lastEditedTime: number;
  createdBy: string;
  lastEditedBy: string;
  inTrash: boolean;
  /** Notion-hosted file (image/file/pdf/video/audio with `type:'file'`). */
  fileKey: string | null;
}

export interface FileRec {
  key: string;
  name: string;
  contentType: string;
  bytes: Buffer;
}

/** A page that is not a data source row: under a page, a block or the workspace. */
export interface StandalonePageInput {
  id?: string;
  title: string;
  /** Parent page id; omitted: a workspace-level page. */
  parentPageId?: string;
  /** Content, in BlockInput shape. */
  children?: BlockInput[];
  /** Only for workspace-level pages (children inherit): false hides the whole subtree. Default true. */
  shared?: boolean;
  icon?: unknown;
  cover?: unknown;
  createdTime?: TimeInput;
  lastEditedTime?: TimeInput;
  createdBy?: string;
  lastEditedBy?: string;
}

/** The user information capability (notion.md §7). */
export type UserCapability = 'none' | 'without_email' | 'with_email';

/** What an integration may do (notion.md §7 and https://developers.notion.com/reference/capabilities). */
export interface Capabilities {
  readContent: boolean;
  updateContent: boolean;
  insertContent: boolean;
  userInformation: UserCapability;
}

export interface NotionErrorBody {
  status: number;
  code: string;
  message: string;
  retryAfter?: number;
}
