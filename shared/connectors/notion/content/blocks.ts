/**
 * The Notion block model (API 2025-09-03, also read from 2026-03-11 responses) as far as rendering a
 * page needs it, and the zod schemas that admit Notion's JSON into it (notion.md §6).
 *
 * The schemas are deliberately loose: Notion adds block types and fields between versions
 * (heading_4, tab and meeting_notes all arrived recently), and one odd block must never cost the
 * whole page. So a block whose type we do not know, or whose payload does not have the shape we
 * expect, becomes `unsupported` (naming the original type) instead of throwing; a rich-text item of
 * an unknown kind becomes plain text; missing annotations read as "none". A result without an `id`
 * is not a block at all: it becomes `unsupported` too (with an empty id and no children to read),
 * so the rest of the page still renders and the gap is reported.
 */
import { z } from 'zod';

// ---------- rich text ----------

export const DEFAULT_ANNOTATIONS = Object.freeze({
  bold: false,
  italic: false,
  strikethrough: false,
  underline: false,
  code: false,
  color: 'default',
});

const flag = z.boolean().catch(false);
const AnnotationsSchema = z
  .object({
    bold: flag,
    italic: flag,
    strikethrough: flag,
    underline: flag,
    code: flag,
    color: z.string().catch('default'),
  })
  .catch(() => ({ ...DEFAULT_ANNOTATIONS }));

const richTextCommon = {
  plain_text: z.string().catch(''),
  href: z.string().nullable().catch(null),
  annotations: AnnotationsSchema,
};

const DateValueSchema = z.object({
  start: z.string(),
  end: z.string().nullable().catch(null),
  time_zone: z.string().nullable().catch(null),
});

const KnownMentionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('user'),
    // A partial user ({id, object}) unless the connection may read user information.
    user: z.object({ id: z.string(), name: z.string().nullable().optional() }),
  }),
  z.object({ type: z.literal('page'), page: z.object({ id: z.string() }) }),
  z.object({ type: z.literal('database'), database: z.object({ id: z.string() }) }),
  z.object({ type: z.literal('date'), date: DateValueSchema }),
  z.object({ type: z.literal('link_preview'), link_preview: z.object({ url: z.string() }) }),
  z.object({
    type: z.literal('link_mention'),
    link_mention: z.object({ href: z.string(), title: z.string().optional() }),
  }),
  z.object({
    type: z.literal('template_mention'),
    template_mention: z.object({
      type: z.string(),
      template_mention_date: z.string().optional(),
      template_mention_user: z.string().optional(),
    }),
  }),
  z.object({
    type: z.literal('custom_emoji'),
    custom_emoji: z.object({ name: z.string(), url: z.string().optional() }),
  }),
]);

/** A mention kind this model does not know yet: renderers fall back to the item's plain_text. */
const OtherMentionSchema = z
  .object({ type: z.string() })
  .transform((m) => ({ type: 'other' as const, other: { type: m.type } }));

const MentionSchema = z.union([KnownMentionSchema, OtherMentionSchema]);
export type Mention = z.output<typeof MentionSchema>;

const TextItemSchema = z.object({
  ...richTextCommon,
  type: z.literal('text'),
  text: z.object({
    content: z.string(),
    link: z.object({ url: z.string() }).nullable().catch(null),
  }),
});
const MentionItemSchema = z.object({ ...richTextCommon, type: z.literal('mention'), mention: MentionSchema });
const EquationItemSchema = z.object({
  ...richTextCommon,
  type: z.literal('equation'),
  equation: z.object({ expression: z.string() }),
});
/** Any other item that at least carries its text reads as plain text, so nothing visible is lost. */
const FallbackItemSchema = z.object({ ...richTextCommon, plain_text: z.string() }).transform((x) => ({
  ...x,
  type: 'text' as const,
  text: { content: x.plain_text, link: x.href === null ? null : { url: x.href } },
}));

const RichTextItemSchema = z.union([TextItemSchema, MentionItemSchema, EquationItemSchema, FallbackItemSchema]);
export type RichText = z.output<typeof RichTextItemSchema>;
export type Annotations = RichText['annotations'];

/** An array of rich text in which a malformed item is dropped alone rather than failing the block. */
export const RichTextArraySchema = z
  .array(z.unknown())
  .catch([])
  .transform((items): RichText[] =>
    items.flatMap((item) => {
      const parsed = RichTextItemSchema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    }),
  );

// ---------- shared payload pieces ----------

const IconSchema = z
  .union([
    z.object({ type: z.literal('emoji'), emoji: z.string() }),
    z.object({ type: z.literal('external'), external: z.object({ url: z.string() }) }),
    z.object({ type: z.literal('file'), file: z.object({ url: z.string() }) }),
    z.object({
      type: z.literal('custom_emoji'),
      custom_emoji: z.object({ name: z.string(), url: z.string().optional() }),
    }),
    z.object({ type: z.literal('icon'), icon: z.object({ name: z.string(), color: z.string().optional() }) }),
  ])
  .nullable()
  .catch(null);
export type Icon = z.output<typeof IconSchema>;

const color = z.string().catch('default');
const textContent = { rich_text: RichTextArraySchema, color };
const heading = z.object({ ...textContent, is_toggleable: flag });
const empty = z.object({});

/**
 * A file-like payload: `file` is Notion-hosted (signed URL valid one hour), `external` is a stable
 * URL, `file_upload` points at a File Upload object and carries no URL at all.
 */
const MediaSchema = z.object({
  type: z.string(),
  file: z.object({ url: z.string(), expiry_time: z.string().optional() }).optional().catch(undefined),
  external: z.object({ url: z.string() }).optional().catch(undefined),
  file_upload: z.object({ id: z.string() }).optional().catch(undefined),
  caption: RichTextArraySchema,
  name: z.string().optional().catch(undefined),
});
export type Media = z.output<typeof MediaSchema>;

const urlWithCaption = z.object({ url: z.string().catch(''), caption: RichTextArraySchema });

/** meeting_notes (2026-03-11 name) and transcription (older name) share one payload. */
const MeetingNotesSchema = z.object({
  title: RichTextArraySchema,
  status: z.string().optional().catch(undefined),
  children: z
    .object({
      summary_block_id: z.string().optional(),
      notes_block_id: z.string().optional(),
      transcript_block_id: z.string().optional(),
    })
    .optional()
    .catch(undefined),
  calendar_event: z.object({ start_time: z.string(), end_time: z.string() }).optional().catch(undefined),
});

/** Every block type of notion.md §6 and the shape of its payload (the field named after the type). */
const CONTENT = {
  paragraph: z.object({ ...textContent, icon: IconSchema.optional() }),
  heading_1: heading,
  heading_2: heading,
  heading_3: heading,
  heading_4: heading,
  bulleted_list_item: z.object(textContent),
  numbered_list_item: z.object({
    ...textContent,
    list_start_index: z.number().int().optional().catch(undefined),
    list_format: z.string().optional().catch(undefined),
  }),
  quote: z.object(textContent),
  to_do: z.object({ ...textContent, checked: flag }),
  toggle: z.object(textContent),
  template: z.object({ rich_text: RichTextArraySchema }),
  synced_block: z.object({
    synced_from: z.object({ block_id: z.string() }).nullable().catch(null),
  }),
  child_page: z.object({ title: z.string().catch('') }),
  child_database: z.object({ title: z.string().catch('') }),
  equation: z.object({ expression: z.string() }),
  code: z.object({
    rich_text: RichTextArraySchema,
    caption: RichTextArraySchema,
    language: z.string().catch('plain text'),
  }),
  callout: z.object({ ...textContent, icon: IconSchema }),
  divider: empty,
  breadcrumb: empty,
  table_of_contents: z.object({ color }),
  tab: empty,
  column_list: empty,
  column: z.object({ width_ratio: z.number().optional().catch(undefined) }),
  link_to_page: z.object({
    type: z.string(),
    page_id: z.string().optional(),
    database_id: z.string().optional(),
    comment_id: z.string().optional(),
  }),
  table: z.object({
    table_width: z.number().int().nonnegative(),
    has_column_header: flag,
    has_row_header: flag,
  }),
  table_row: z.object({ cells: z.array(RichTextArraySchema) }),
  meeting_notes: MeetingNotesSchema,
  transcription: MeetingNotesSchema,
  embed: urlWithCaption,
  bookmark: urlWithCaption,
  link_preview: z.object({ url: z.string() }),
  image: MediaSchema,
  video: MediaSchema,
  pdf: MediaSchema,
  file: MediaSchema,
  audio: MediaSchema,
  unsupported: z.object({
    block_type: z.string().catch('unknown'),
    /** Set by us when a known type arrived malformed: why it was not rendered. */
    reason: z.string().optional(),
  }),
} as const;

export type BlockType = keyof typeof CONTENT;
export const BLOCK_TYPES = Object.keys(CONTENT) as BlockType[];

export interface BlockEnvelope {
  id: string;
  has_children: boolean;
  in_trash: boolean;
}

type Payloads = { [K in BlockType]: z.output<(typeof CONTENT)[K]> };
/** One block: the envelope, its `type`, and the payload under the key of the same name. */
export type Block = { [K in BlockType]: BlockEnvelope & { type: K } & { [P in K]: Payloads[K] } }[BlockType];
export type BlockOf<K extends BlockType> = Extract<Block, { type: K }>;

/** A block with its children loaded (in Notion's order). */
export type BlockNode = Block & { children: BlockNode[] };

export type MediaBlock = BlockOf<'image' | 'video' | 'pdf' | 'file' | 'audio'>;

const EnvelopeSchema = z.object({
  id: z.string().min(1),
  type: z.string().nullish().catch(undefined),
  has_children: flag,
  in_trash: z.boolean().nullish().catch(undefined),
  archived: z.boolean().nullish().catch(undefined),
});

function isBlockType(type: string): type is BlockType {
  return Object.hasOwn(CONTENT, type);
}

/**
 * One block object from `GET /v1/blocks/:id/children` (or `GET /v1/blocks/:id`). Unknown or
 * malformed blocks come back as `unsupported` naming their type (and, when malformed, why); so
 * does a result without an `id` (id "", no children: there is nothing to fetch them by). Never throws.
 */
export function parseBlock(json: unknown): Block {
  const env = EnvelopeSchema.safeParse(json);
  if (!env.success) {
    const type = json && typeof json === 'object' ? (json as { type?: unknown }).type : undefined;
    return unsupported(
      { id: '', has_children: false, in_trash: false },
      typeof type === 'string' ? type : 'unknown',
      'a block Notion sent without an id',
    );
  }
  const envelope = env.data;
  const base: BlockEnvelope = {
    id: envelope.id,
    has_children: envelope.has_children,
    // `archived` is the pre-2026-03-11 name of `in_trash`.
    in_trash: envelope.in_trash ?? envelope.archived ?? false,
  };
  // A partial block ({object, id}) has no type: nothing to render, but keep its place.
  const type = envelope.type ?? 'partial';
  if (!isBlockType(type)) return unsupported(base, type);
  const raw = (json as Record<string, unknown>)[type] ?? {};
  const parsed = CONTENT[type].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${type}.${issue.path.join('.')}` : '';
    return unsupported(base, type, `malformed ${type}${where}: ${issue?.message ?? 'invalid'}`);
  }
  return { ...base, type, [type]: parsed.data } as Block;
}

function unsupported(base: BlockEnvelope, blockType: string, reason?: string): Block {
  const payload = reason === undefined ? { block_type: blockType } : { block_type: blockType, reason };
  return { ...base, type: 'unsupported', unsupported: payload };
}

// ---------- small helpers both renderers use ----------

export function plainText(rich: readonly RichText[]): string {
  return rich.map((r) => r.plain_text).join('');
}

/** The rich text a block shows as its own line, for the types that have one. */
export function blockRichText(block: Block): RichText[] | undefined {
  switch (block.type) {
    case 'paragraph':
      return block.paragraph.rich_text;
    case 'heading_1':
      return block.heading_1.rich_text;
    case 'heading_2':
      return block.heading_2.rich_text;
    case 'heading_3':
      return block.heading_3.rich_text;
    case 'heading_4':
      return block.heading_4.rich_text;
    case 'bulleted_list_item':
      return block.bulleted_list_item.rich_text;
    case 'numbered_list_item':
      return block.numbered_list_item.rich_text;
    case 'quote':
      return block.quote.rich_text;
    case 'to_do':
      return block.to_do.rich_text;
    case 'toggle':
      return block.toggle.rich_text;
    case 'callout':
      return block.callout.rich_text;
    default:
      return undefined;
  }
}

export function mediaPayload(block: MediaBlock): Media {
  switch (block.type) {
    case 'image':
      return block.image;
    case 'video':
      return block.video;
    case 'pdf':
      return block.pdf;
    case 'file':
      return block.file;
    case 'audio':
      return block.audio;
  }
}

export function isMediaBlock(block: Block): block is MediaBlock {
  return (
    block.type === 'image' ||
    block.type === 'video' ||
    block.type === 'pdf' ||
    block.type === 'file' ||
    block.type === 'audio'
  );
}
