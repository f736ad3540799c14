/** Notion simulator: blocks, block children (list, append with positions) and page markdown. */

import { draftBlocks, MAX_CHILDREN_PER_REQUEST } from '../blocks';
import type { Ctx } from '../gateway';
import { renderMarkdown } from '../markdown';
import type { BlockPosition } from '../records';
import { type BlockType, TEXT_BLOCK_TYPES } from '../types';
import {
  bodyInvalid,
  canonicalHash,
  decodeCursor,
  encodeCursor,
  isRecord,
  normaliseId,
  show,
  validationError,
} from '../util';
import { PagesEndpoints } from './pages';

/** Existing blocks PATCH /v1/blocks/:id/children may append to (a page or child_page is handled apart). */
const APPENDABLE_PARENT_TYPES = new Set<BlockType>([
  ...TEXT_BLOCK_TYPES,
  'callout',
  'synced_block',
  'column',
  'table',
  'tab',
]);

export abstract class BlocksEndpoints extends PagesEndpoints {
  // ===========================================================================================
  // Blocks and markdown

  protected getBlockRoute({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const { block, page } = this.visibleBlockOrPage(this.pathId(req, 'block_id'));
    return block ? this.store.renderBlock(block, version) : this.store.renderPageAsBlock(page!, version);
  }

  protected listChildren({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const id = this.pathId(req, 'block_id');
    this.visibleBlockOrPage(id);
    const pageSize = this.queryPageSize(req);
    const ids = this.store.childIdsOf(id);
    const hash = canonicalHash({ children: id });
    const cursor = req.query.get('start_cursor');
    let offset = 0;
    if (cursor) {
      // The cursor names the next block, so blocks appended between two pages cannot shift the listing.
      const c = decodeCursor(cursor, 'children', hash, 'query.start_cursor');
      const at = ids.indexOf(String(c.i));
      offset = at >= 0 ? at : Math.min(Number(c.o), ids.length);
    }
    const slice = ids.slice(offset, offset + pageSize);
    const nextId = ids[offset + slice.length];
    const next = nextId ? encodeCursor({ s: 'children', q: hash, i: nextId, o: offset + slice.length }) : null;
    return {
      object: 'list',
      results: slice.map((cid) => this.store.renderBlock(this.store.blocks.get(cid)!, version)),
      next_cursor: next,
      has_more: next !== null,
      type: 'block',
      block: {},
    };
  }

  protected appendChildren({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'insertContent');
    const id = this.pathId(req, 'block_id');
    const { block, page } = this.visibleBlockOrPage(id);
    const allowed = ['children', version === '2026-03-11' ? 'position' : 'after'];
    const body = this.body(req, allowed);
    if (body.children === undefined) throw bodyInvalid('body.children', 'defined', undefined);
    if (Array.isArray(body.children) && body.children.length > MAX_CHILDREN_PER_REQUEST) {
      throw bodyInvalid('body.children.length', `≤ \`${MAX_CHILDREN_PER_REQUEST}\``, body.children.length);
    }
    const target = block && block.type !== 'child_page' ? block : undefined;
    const containing = target ? this.store.mustPage(target.pageId) : (page ?? this.store.mustPage(id));
    if ((target?.inTrash ?? false) || containing.inTrash) {
      throw validationError("Can't edit block that is archived. You must unarchive the block before editing.");
    }
    if (target && !APPENDABLE_PARENT_TYPES.has(target.type)) {
      throw validationError(`Block ${target.id} of type ${target.type} does not support children.`);
    }
    if (target?.type === 'synced_block' && target.data.synced_from !== null) {
      throw validationError('Cannot append children to a duplicate synced block; append to the original.');
    }
    const drafts = draftBlocks(body.children, 'body.children', 'request');
    if (target?.type === 'table' && drafts.some((d) => d.type !== 'table_row')) {
      throw validationError("body.children: a table's children are table_rows.");
    }
    const parentId = target?.id ?? containing.id;
    const position = this.appendPosition(body, parentId);
    const by = this.store.bot.id;
    const created = this.store.materialise(
      target ? { type: 'block_id', id: target.id } : { type: 'page_id', id: containing.id },
      containing.id,
      drafts,
      { at: this.store.now(), by, position },
    );
    if (target) {
      target.lastEditedTime = this.store.now();
      target.lastEditedBy = by;
    }
    this.touchPage(containing, by);
    this.emitPageEvent('page.content_updated', containing, {
      updated_blocks: created.map((b) => ({ id: b.id, type: 'block' })),
    });
    return {
      object: 'list',
      results: created.map((b) => this.store.renderBlock(b, version)),
      next_cursor: null,
      has_more: false,
      type: 'block',
      block: {},
    };
  }

  /** `after` (before 2026-03-11) or `position` (2026-03-11): where appended blocks go among the siblings. */
  protected appendPosition(body: Record<string, unknown>, parentId: string): BlockPosition {
    const siblings = this.store.children.get(parentId) ?? [];
    const sibling = (raw: unknown, path: string): string => {
      const sid = typeof raw === 'string' ? normaliseId(raw) : undefined;
      if (!sid) throw bodyInvalid(path, 'a valid uuid', raw);
      if (!siblings.includes(sid)) throw validationError(`${path}: block ${sid} is not a child of ${parentId}.`);
      return sid;
    };
    if (body.after !== undefined) return { type: 'after_block', id: sibling(body.after, 'body.after') };
    const p = body.position;
    if (p === undefined) return { type: 'end' };
    if (!isRecord(p)) throw bodyInvalid('body.position', 'an object', p);
    if (p.type === 'start') return { type: 'start' };
    if (p.type === 'end') return { type: 'end' };
    if (p.type === 'after_block') {
      const ab = p.after_block;
      return { type: 'after_block', id: sibling(isRecord(ab) ? ab.id : undefined, 'body.position.after_block.id') };
    }
    throw bodyInvalid('body.position.type', '`"start"`, `"end"` or `"after_block"`', p.type);
  }

  protected getMarkdown({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const id = this.pathId(req, 'page_id');
    const page = this.store.pages.get(id);
    let target: { pageId: string } | { blockId: string };
    if (page) {
      if (!this.store.pageVisible(page)) throw this.store.notFound('page', id);
      target = { pageId: id };
    } else {
      // An id from unknown_block_ids: the missing subtree, rooted at that block.
      const block = this.store.blocks.get(id);
      if (!block || !this.store.blockVisible(block)) throw this.store.notFound('page', id);
      target = { blockId: id };
    }
    const includeTranscript = req.query.get('include_transcript');
    if (includeTranscript !== null && includeTranscript !== 'true' && includeTranscript !== 'false') {
      throw validationError(
        `query.include_transcript should be a boolean, instead was \`${show(includeTranscript)}\`.`,
      );
    }
    const out = renderMarkdown(this.store, target, version, this.markdownRecordLimit);
    return {
      object: 'page_markdown',
      id,
      markdown: out.markdown,
      truncated: out.truncated,
      unknown_block_ids: out.unknownBlockIds,
    };
  }
}
