/** What Notion's answers look like (zod schemas and the types read from them), and reading them. */
import { z } from 'zod';
import { ProviderError } from '../../../core/errors';
import { maybe, readAnswer } from '../../../core/http/answer';

/**
 * A property value: `{id, type, <type>: value}` (notion.md §5). The type is a string, so a type
 * Notion adds later passes through (the mapping reports it as unsupported). A value without its id
 * or type reads as type `unsupported`, so one odd property never costs the page.
 */
export const propertyValue = z
  .looseObject({ id: z.string(), type: z.string() })
  .catch((ctx) => ({ id: stringField(ctx.value, 'id') ?? '', type: 'unsupported' }));
/**
 * The page object (notion.md §3). Required here: what the sync cannot do without (id, the two
 * timestamps its windows and cursor use, properties). Everything else is optional or nullable as
 * published (`url`, `public_url`, `icon`, `cover`, `in_trash` / `archived` by version).
 */
export const notionPageSchema = z.looseObject({
  object: z.literal('page'),
  id: z.string(),
  created_time: z.string(),
  last_edited_time: z.string(),
  in_trash: maybe(z.boolean()),
  archived: maybe(z.boolean()),
  url: maybe(z.string()),
  properties: z.record(z.string(), propertyValue),
});
export type NotionPage = z.output<typeof notionPageSchema>;

/** A paginated list (query, search, users, children): `next_cursor` is null on the last page. */
export const listResponseSchema = z.looseObject({
  results: z.array(z.unknown()),
  has_more: z.boolean(),
  next_cursor: maybe(z.string()),
  request_status: maybe(z.looseObject({ type: maybe(z.string()) })),
});

/** GET /v1/users/me for an integration token: the bot user and its workspace. */
export const botUserSchema = z.looseObject({
  id: z.string(),
  name: maybe(z.string()),
  bot: maybe(z.looseObject({ workspace_name: maybe(z.string()), workspace_id: maybe(z.string()) }).catch(() => ({}))),
});

export const schemaProperty = z.looseObject({ id: z.string(), type: z.string(), name: maybe(z.string()) });
/** `options`: the option names of select, status and multi_select properties, when asked for. */
export type SchemaProperty = z.output<typeof schemaProperty> & { options?: string[] };

export interface QueryArgs {
  filter?: Record<string, unknown>;
  sorts?: Record<string, unknown>[];
  startCursor?: string;
  pageSize?: number;
  inTrash?: boolean;
}

export interface QueryPage {
  pages: NotionPage[];
  hasMore: boolean;
  nextCursor: string | undefined;
  /** The query hit Notion's per-query row cap: has_more is false but rows remain. */
  incomplete: boolean;
  /**
   * Results that are pages but lack what a row needs (id, timestamps, properties): left out of
   * `pages` and reported per row, with the page id when there is one.
   */
  rejected?: { id?: string; reason: string }[];
}

export interface DataSourceRef {
  id: string;
  name: string;
}

/** Option names of a select / status / multi_select schema entry (`{options: [{name}]}`). */
export function optionNames(config: unknown): string[] | undefined {
  const parsed = z.looseObject({ options: z.array(z.looseObject({ name: z.string() })) }).safeParse(config);
  return parsed.success ? parsed.data.options.map((o) => o.name) : undefined;
}

export function plainTitle(title: unknown): string {
  if (!Array.isArray(title)) return '';
  return title
    .map((t) =>
      t && typeof t === 'object' && 'plain_text' in t ? String((t as { plain_text: unknown }).plain_text) : '',
    )
    .join('')
    .trim();
}

// ---------- page import (document library): search and page metadata ----------

export interface SearchArgs {
  query?: string;
  /** Only pages, or only databases (data sources on 2025-09-03+). */
  filter?: 'page' | 'database';
  startCursor?: string;
  pageSize?: number;
}

export interface SearchHit {
  object: 'page' | 'database' | 'data_source';
  id: string;
  title: string;
  url: string | undefined;
  lastEditedTime: string;
}

export interface SearchPage {
  results: SearchHit[];
  hasMore: boolean;
  nextCursor: string | undefined;
  /** Results left out: an object kind Notion added later, or one without what a hit needs. */
  skipped: { id?: string; reason: string }[];
}

export const searchHitSchema = z.looseObject({
  object: z.enum(['page', 'database', 'data_source']),
  id: z.string(),
  url: maybe(z.string()),
  last_edited_time: z.string(),
  title: z.unknown().optional(),
  name: maybe(z.string()),
  properties: maybe(z.record(z.string(), z.unknown())),
});

export function toSearchHit(r: z.infer<typeof searchHitSchema>): SearchHit {
  const title = r.object === 'page' ? pageTitle(r.properties) : plainTitle(r.title) || (r.name ?? '');
  return { object: r.object, id: r.id, title, url: r.url, lastEditedTime: r.last_edited_time };
}

/** A page's title: the value of its one `title` property (its name differs per database). */

export function pageTitle(properties: Record<string, unknown> | undefined): string {
  for (const value of Object.values(properties ?? {})) {
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'title') {
      return plainTitle((value as { title?: unknown }).title);
    }
  }
  return '';
}

/** A page as the import reads it: the page object, plus where it sits and its icon. */
export const notionPageMetaSchema = notionPageSchema.extend({
  // A parent of a kind Notion adds later still reads (its type is a string); a malformed one as none.
  parent: maybe(z.looseObject({ type: z.string() })).catch(undefined),
  icon: z.unknown().optional(),
  // Import keeps properties as Notion sent them (only the title is read from them).
  properties: maybe(z.record(z.string(), z.unknown())).transform((p) => p ?? {}),
});
export type NotionPageMeta = z.infer<typeof notionPageMetaSchema>;

/**
 * A user (notion.md §7): `person.email` only at the "with email addresses" capability level; the
 * type is a string (person, bot, or a kind Notion adds later, which the users sync skips).
 */
export const notionUserSchema = z.looseObject({
  object: maybe(z.literal('user')),
  id: z.string(),
  name: maybe(z.string()),
  avatar_url: maybe(z.string()),
  type: maybe(z.string()),
  person: maybe(z.looseObject({ email: maybe(z.string()) })).catch(undefined),
});
export type NotionUser = z.output<typeof notionUserSchema>;

export interface NotionUsersPage {
  users: NotionUser[];
  hasMore: boolean;
  nextCursor: string | undefined;
  /** Users left out because their object lacks an id (reported by the caller, never fatal). */
  skipped: { id?: string; reason: string }[];
}

/** `{id}`: what a created page or a retrieved block must at least carry. */
export const idSchema = z.looseObject({ id: z.string() });

/** `GET /v1/pages/:id/properties/:pid`: a property item, or a paginated list of them. */
export const propertyItemSchema = z.looseObject({
  object: z.string(),
  results: maybe(z.array(z.unknown())),
  has_more: maybe(z.boolean()),
  next_cursor: maybe(z.string()),
});

/**
 * A paginated list answer. `has_more` is required (without it we cannot tell the last page), and a
 * page that says has_more without a cursor is refused rather than read again forever.
 */
export function readList(what: string, json: unknown): z.output<typeof listResponseSchema> {
  const list = readAnswer('notion', what, listResponseSchema, json);
  if (list.has_more && !list.next_cursor) {
    throw new ProviderError(
      'notion',
      200,
      'unexpected_answer',
      `Notion answered ${what} with has_more but no next_cursor; nothing was done with the answer`,
    );
  }
  return list;
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** `x[key]` when `x` is an object and that field a string. */
export function stringField(x: unknown, key: string): string | undefined {
  if (!isRecord(x)) return undefined;
  const v = x[key];
  return typeof v === 'string' ? v : undefined;
}
