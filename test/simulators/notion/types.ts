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

export interface PageRec {
  id: string;
  dataSourceId: string;
  databaseId: string;
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
}

export interface NotionErrorBody {
  status: number;
  code: string;
  message: string;
  retryAfter?: number;
}
