/**
 * Blocks: checking block input (the append endpoint's request shape, or the looser seed shape) and
 * turning it into a tree the store can materialise (notion.md §2 "Append block children", §6).
 *
 * Request rules enforced (400 validation_error, message naming the path):
 * - at most 100 children per request and 1000 blocks in the whole payload;
 * - at most two levels of nesting under an appended block;
 * - types the API cannot create (child_page, child_database, link_preview, template, meeting_notes,
 *   transcription, unsupported, Notion-hosted `type:"file"` media) are refused;
 * - table rows belong in a table and have `table_width` cells; columns belong in a column_list of ≥ 2.
 */
import { BLOCK_TYPES, type BlockType, TEXT_BLOCK_TYPES } from './types';
import { bodyInvalid, isRecord, normaliseId, validationError } from './util';
import { requestRichText, richTextArray } from './values';

export const MAX_CHILDREN_PER_REQUEST = 100;
export const MAX_BLOCKS_PER_PAYLOAD = 1000;
/** Levels of children allowed under an appended block in one request. */
export const MAX_REQUEST_NESTING = 2;
const EQUATION_MAX = 1000;
const URL_MAX = 2000;

const RICH_TEXT_TYPES = new Set<BlockType>([...TEXT_BLOCK_TYPES, 'callout', 'code', 'template']);
const HEADINGS = new Set<BlockType>(['heading_1', 'heading_2', 'heading_3', 'heading_4']);
export const MEDIA_TYPES = new Set<BlockType>(['image', 'video', 'pdf', 'file', 'audio']);
const NOT_CREATABLE = new Set<BlockType>([
  'child_page',
  'child_database',
  'link_preview',
  'template',
  'meeting_notes',
  'transcription',
  'unsupported',
]);
/** Types whose blocks may carry children. */
const PARENT_TYPES = new Set<BlockType>([
  ...TEXT_BLOCK_TYPES,
  'callout',
  'template',
  'synced_block',
  'column_list',
  'column',
  'table',
  'tab',
  'child_page',
]);

/** A checked block, ready for the store. */
export interface BlockDraft {
  id: string | undefined;
  type: BlockType;
  data: Record<string, unknown>;
  /** Hosted file content (seed only). */
  file: { name: string; contentType: string; bytes: Buffer } | undefined;
  children: BlockDraft[];
}

type Mode = 'request' | 'seed';

interface Walk {
  mode: Mode;
  count: number;
}

/** Check `children` of a request (or seed) and return drafts; throws NotionApiError (request) on bad input. */
export function draftBlocks(children: unknown, path: string, mode: Mode): BlockDraft[] {
  if (!Array.isArray(children)) throw bodyInvalid(path, 'an array', children);
  if (mode === 'request' && children.length > MAX_CHILDREN_PER_REQUEST) {
    throw bodyInvalid(`${path}.length`, `≤ \`${MAX_CHILDREN_PER_REQUEST}\``, children.length);
  }
  const walk: Walk = { mode, count: 0 };
  const drafts = children.map((c, i) => draftBlock(c, `${path}[${i}]`, 0, walk, undefined));
  if (mode === 'request' && walk.count > MAX_BLOCKS_PER_PAYLOAD) {
    throw validationError(
      `${path} contains ${walk.count} blocks; a request may contain at most ${MAX_BLOCKS_PER_PAYLOAD} block elements.`,
    );
  }
  return drafts;
}

function blockTypeOf(input: Record<string, unknown>, path: string): BlockType {
  const known = BLOCK_TYPES as readonly string[];
  if (input.type !== undefined) {
    if (typeof input.type !== 'string' || !known.includes(input.type)) {
      throw bodyInvalid(`${path}.type`, `one of ${BLOCK_TYPES.map((t) => `\`"${t}"\``).join(', ')}`, input.type);
    }
    if (!isRecord(input[input.type])) throw bodyInvalid(`${path}.${input.type}`, 'an object', input[input.type]);
    return input.type as BlockType;
  }
  // The API infers the type from the one block-type key present, as the SDK's request types allow.
  const keys = Object.keys(input).filter((k) => known.includes(k));
  if (keys.length !== 1) throw bodyInvalid(`${path}.type`, 'defined', undefined);
  return keys[0] as BlockType;
}

function draftBlock(
  raw: unknown,
  path: string,
  depth: number,
  walk: Walk,
  parentType: BlockType | undefined,
): BlockDraft {
  if (!isRecord(raw)) throw bodyInvalid(path, 'an object', raw);
  walk.count++;
  const type = blockTypeOf(raw, path);
  const request = walk.mode === 'request';
  if (request && NOT_CREATABLE.has(type)) {
    throw validationError(`${path}.type: blocks of type \`${type}\` cannot be created through the API.`);
  }
  if (type === 'table_row' && parentType !== 'table' && (request || parentType !== undefined)) {
    throw validationError(`${path}: a table_row can only be a child of a table.`);
  }
  if (type === 'column' && parentType !== 'column_list' && (request || parentType !== undefined)) {
    throw validationError(`${path}: a column can only be a child of a column_list.`);
  }
  const payload = raw[type] as Record<string, unknown>;
  const p = `${path}.${type}`;
  const draft: BlockDraft = {
    id: typeof raw.id === 'string' && !request ? (normaliseId(raw.id) ?? raw.id) : undefined,
    type,
    data: {},
    file: undefined,
    children: [],
  };
  draft.data = blockData(type, payload, p, walk.mode, draft);

  // Children can sit at the top level (`children`) or, as in Notion's request shape, inside the payload.
  const kids = raw.children ?? payload.children;
  if (kids !== undefined) {
    if (!Array.isArray(kids)) throw bodyInvalid(`${path}.children`, 'an array', kids);
    if (kids.length > 0 && !PARENT_TYPES.has(type)) {
      throw validationError(`${path}.children: blocks of type \`${type}\` cannot have children.`);
    }
    if (request && kids.length > 0 && depth >= MAX_REQUEST_NESTING) {
      throw validationError(
        `${path}.children: a request may nest blocks at most ${MAX_REQUEST_NESTING} levels below the appended block; append deeper children in a later request.`,
      );
    }
    if (request && kids.length > MAX_CHILDREN_PER_REQUEST) {
      throw bodyInvalid(`${path}.children.length`, `≤ \`${MAX_CHILDREN_PER_REQUEST}\``, kids.length);
    }
    draft.children = kids.map((c, i) => draftBlock(c, `${path}.children[${i}]`, depth + 1, walk, type));
  }
  checkStructure(draft, path, request);
  return draft;
}

function checkStructure(draft: BlockDraft, path: string, request: boolean): void {
  if (draft.type === 'table') {
    const width = draft.data.table_width as number;
    if (request && draft.children.length === 0) {
      throw validationError(`${path}.table.children should be defined: a table needs at least one table_row.`);
    }
    draft.children.forEach((row, i) => {
      if (row.type !== 'table_row') throw validationError(`${path}.children[${i}]: a table's children are table_rows.`);
      const cells = row.data.cells as unknown[];
      if (cells.length !== width) {
        throw validationError(
          `${path}.children[${i}].table_row.cells has ${cells.length} cells; the table's table_width is ${width}.`,
        );
      }
    });
  }
  if (draft.type === 'column_list' && request) {
    if (draft.children.length < 2 || draft.children.some((c) => c.type !== 'column')) {
      throw validationError(`${path}.column_list: a column_list needs at least 2 children, all of type column.`);
    }
    draft.children.forEach((col, i) => {
      if (col.children.length === 0) {
        throw validationError(`${path}.children[${i}].column: a column needs at least one child block.`);
      }
    });
  }
}

function text(v: unknown, path: string, mode: Mode): unknown[] {
  if (v === undefined) return [];
  if (mode === 'seed' && typeof v === 'string') return richTextArray(v);
  if (mode === 'seed' && Array.isArray(v) && v.every((x) => isRecord(x) && 'plain_text' in x)) return v;
  return requestRichText(v, path);
}

function str(v: unknown, path: string, max: number): string {
  if (typeof v !== 'string') throw bodyInvalid(path, 'a string', v);
  if (v.length > max) throw bodyInvalid(`${path}.length`, `≤ \`${max}\``, v.length);
  return v;
}

function color(v: unknown, path: string): string {
  if (v === undefined) return 'default';
  if (typeof v !== 'string') throw bodyInvalid(path, 'a color name', v);
  return v;
}

/** Type-specific payload in response shape (defaults filled in). */
function blockData(
  type: BlockType,
  v: Record<string, unknown>,
  p: string,
  mode: Mode,
  draft: BlockDraft,
): Record<string, unknown> {
  if (RICH_TEXT_TYPES.has(type)) {
    const out: Record<string, unknown> = { rich_text: text(v.rich_text, `${p}.rich_text`, mode) };
    if (type !== 'code' && type !== 'template') out.color = color(v.color, `${p}.color`);
    if (HEADINGS.has(type)) {
      if (v.is_toggleable !== undefined && typeof v.is_toggleable !== 'boolean') {
        throw bodyInvalid(`${p}.is_toggleable`, 'a boolean', v.is_toggleable);
      }
      out.is_toggleable = v.is_toggleable ?? false;
    }
    if (type === 'to_do') {
      if (v.checked !== undefined && typeof v.checked !== 'boolean') {
        throw bodyInvalid(`${p}.checked`, 'a boolean', v.checked);
      }
      out.checked = v.checked ?? false;
    }
    if (type === 'callout') out.icon = v.icon ?? null;
    if (type === 'code') {
      out.caption = text(v.caption, `${p}.caption`, mode);
      out.language = v.language === undefined ? 'plain text' : str(v.language, `${p}.language`, 100);
    }
    return out;
  }
  switch (type) {
    case 'equation':
      return { expression: str(v.expression, `${p}.expression`, EQUATION_MAX) };
    case 'divider':
    case 'breadcrumb':
    case 'tab':
    case 'column_list':
      return {};
    case 'table_of_contents':
      return { color: color(v.color, `${p}.color`) };
    case 'column':
      if (
        v.width_ratio !== undefined &&
        (typeof v.width_ratio !== 'number' || v.width_ratio <= 0 || v.width_ratio > 1)
      ) {
        throw bodyInvalid(`${p}.width_ratio`, 'a number in (0, 1]', v.width_ratio);
      }
      return v.width_ratio === undefined ? {} : { width_ratio: v.width_ratio };
    case 'link_to_page': {
      const id = v.page_id ?? v.database_id;
      const key = v.page_id !== undefined ? 'page_id' : 'database_id';
      const norm = typeof id === 'string' ? normaliseId(id) : undefined;
      if (!norm) throw bodyInvalid(`${p}.page_id`, 'a valid uuid', id);
      return { type: key, [key]: norm };
    }
    case 'table': {
      const w = v.table_width;
      if (typeof w !== 'number' || !Number.isInteger(w) || w < 1)
        throw bodyInvalid(`${p}.table_width`, 'an integer ≥ `1`', w);
      return {
        table_width: w,
        has_column_header: v.has_column_header === true,
        has_row_header: v.has_row_header === true,
      };
    }
    case 'table_row': {
      if (!Array.isArray(v.cells)) throw bodyInvalid(`${p}.cells`, 'an array', v.cells);
      return { cells: v.cells.map((c, i) => text(c, `${p}.cells[${i}]`, mode)) };
    }
    case 'embed':
    case 'bookmark':
      return { caption: text(v.caption, `${p}.caption`, mode), url: str(v.url, `${p}.url`, URL_MAX) };
    case 'link_preview':
      return { url: str(v.url, `${p}.url`, URL_MAX) };
    case 'synced_block': {
      const from = v.synced_from;
      if (from === undefined || from === null) return { synced_from: null };
      const id = isRecord(from) && typeof from.block_id === 'string' ? normaliseId(from.block_id) : undefined;
      if (!id) throw bodyInvalid(`${p}.synced_from.block_id`, 'a valid uuid', isRecord(from) ? from.block_id : from);
      return { synced_from: { type: 'block_id', block_id: id } };
    }
    case 'child_page':
    case 'child_database':
      return { title: str(v.title, `${p}.title`, 2000) };
    case 'meeting_notes':
    case 'transcription':
      return { title: text(v.title, `${p}.title`, mode), status: v.status ?? 'notes_ready' };
    case 'unsupported':
      return { block_type: typeof v.block_type === 'string' ? v.block_type : 'unknown' };
    default:
      return mediaData(type, v, p, mode, draft);
  }
}

function mediaData(
  type: BlockType,
  v: Record<string, unknown>,
  p: string,
  mode: Mode,
  draft: BlockDraft,
): Record<string, unknown> {
  const out: Record<string, unknown> = { caption: text(v.caption, `${p}.caption`, mode) };
  const kind =
    v.type ??
    (v.external !== undefined
      ? 'external'
      : v.file_upload !== undefined
        ? 'file_upload'
        : v.file !== undefined
          ? 'file'
          : undefined);
  if (kind === 'external') {
    const ext = v.external;
    out.type = 'external';
    out.external = { url: str(isRecord(ext) ? ext.url : undefined, `${p}.external.url`, URL_MAX) };
  } else if (kind === 'file' && mode === 'seed') {
    // Notion-hosted: the store keeps the bytes and signs a fresh URL each time the block is read.
    const f = isRecord(v.file) ? v.file : {};
    const name = typeof f.name === 'string' ? f.name : typeof v.name === 'string' ? v.name : `${type}.bin`;
    const content = f.content;
    const bytes = Buffer.isBuffer(content)
      ? content
      : Buffer.from(typeof content === 'string' ? content : `simulated ${type} ${name}`, 'utf8');
    draft.file = {
      name,
      contentType: typeof f.content_type === 'string' ? f.content_type : contentTypeOf(name),
      bytes,
    };
    out.type = 'file';
  } else if (kind === 'file_upload') {
    // The File Upload API is not simulated: no upload id can be valid.
    const id = isRecord(v.file_upload) ? v.file_upload.id : undefined;
    throw validationError(`${p}.file_upload.id: file upload ${String(id)} does not exist or has expired.`);
  } else if (kind === 'file') {
    throw validationError(
      `${p}.type: \`file\` (Notion-hosted) cannot be set through the API; use \`external\` or \`file_upload\`.`,
    );
  } else {
    throw bodyInvalid(`${p}.external`, 'defined', undefined);
  }
  if (type === 'file') out.name = typeof v.name === 'string' ? v.name : (draft.file?.name ?? fileNameOf(out));
  return out;
}

function fileNameOf(data: Record<string, unknown>): string {
  const ext = data.external as { url: string } | undefined;
  if (!ext) return 'file';
  try {
    return decodeURIComponent(new URL(ext.url).pathname.split('/').pop() || 'file');
  } catch {
    return 'file';
  }
}

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  webp: 'image/webp',
  pdf: 'application/pdf',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
};

export function contentTypeOf(name: string): string {
  const ext = name.split('.').pop()?.toLowerCase() ?? '';
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}
