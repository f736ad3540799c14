/**
 * Loads a page's block tree through an injected `GET /v1/blocks/:id/children` (notion.md §6): the
 * real Notion client, a lane-paced caller or a test fake all fit, and this module does no I/O itself.
 *
 * Unlike notion-to-md (notion.md §9), children are fetched once per parent (tables too), several
 * parents may be in flight at once (bounded), and every call is counted so the caller can charge
 * them to the connection's rate budget.
 */
import { type Block, type BlockNode, parseBlock } from './blocks';

/** One page of a block-children listing, as Notion returns it. */
export interface ChildrenPage {
  results: unknown[];
  has_more: boolean;
  next_cursor: string | null;
}

/**
 * `GET /v1/blocks/{blockId}/children?page_size={pageSize}&start_cursor={startCursor}`.
 * `startCursor` is the previous page's `next_cursor`, passed back unchanged (it is opaque).
 */
export type FetchChildren = (
  blockId: string,
  startCursor: string | undefined,
  pageSize: number,
) => Promise<ChildrenPage>;

export interface LoadOptions {
  /** Parent blocks fetched at the same time (default 3, Notion's average request rate per second). */
  concurrency?: number;
  /** Levels below the root that are expanded (default 25); deeper children are left out with a warning. */
  maxDepth?: number;
  /** Children per request, 1–100 (default 100, Notion's maximum). */
  pageSize?: number;
  /** Stop with an error once this many requests were made (default: no limit). */
  maxRequests?: number;
}

export interface LoadResult {
  blocks: BlockNode[];
  /** Calls made to `fetchChildren`. */
  requests: number;
  /** Content left out (depth limit, synced-block cycles), for the caller to log or show. */
  warnings: string[];
}

export class BlockTreeLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockTreeLimitError';
  }
}

const NOTION_MAX_PAGE_SIZE = 100;

/** Blocks whose children are another object's content, reached by a link, never inlined. */
const LINK_ONLY: ReadonlySet<Block['type']> = new Set(['child_page', 'child_database']);

export async function loadBlockTree(
  fetchChildren: FetchChildren,
  rootId: string,
  opts: LoadOptions = {},
): Promise<LoadResult> {
  const concurrency = opts.concurrency ?? 3;
  const maxDepth = opts.maxDepth ?? 25;
  const pageSize = opts.pageSize ?? NOTION_MAX_PAGE_SIZE;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be an integer ≥ 1');
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new RangeError('maxDepth must be an integer ≥ 1');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > NOTION_MAX_PAGE_SIZE) {
    throw new RangeError(`pageSize must be an integer from 1 to ${NOTION_MAX_PAGE_SIZE}`);
  }

  const limit = semaphore(concurrency);
  const warnings: string[] = [];
  let requests = 0;

  async function listChildren(parentId: string): Promise<Block[]> {
    const blocks: Block[] = [];
    let cursor: string | undefined;
    do {
      if (opts.maxRequests !== undefined && requests >= opts.maxRequests) {
        throw new BlockTreeLimitError(`block tree of ${rootId} needs more than ${opts.maxRequests} requests`);
      }
      requests++;
      const page = await limit(() => fetchChildren(parentId, cursor, pageSize));
      for (const raw of page.results) {
        const block = parseBlock(raw);
        if (!block.in_trash) blocks.push(block);
      }
      // A page that says has_more without a cursor would loop forever on the first page.
      cursor = page.has_more && page.next_cursor ? page.next_cursor : undefined;
    } while (cursor !== undefined);
    return blocks;
  }

  /**
   * `expanding` holds the ids whose children are being read on the way down from the root (a
   * synced copy adds its original's id): reaching one again means a synced block contains a copy of
   * itself, directly or through other synced blocks, and would recurse forever.
   */
  async function expand(block: Block, depth: number, expanding: ReadonlySet<string>): Promise<BlockNode> {
    const leaf: BlockNode = { ...block, children: [] };
    if (!block.has_children || LINK_ONLY.has(block.type)) return leaf;
    const source =
      block.type === 'synced_block' && block.synced_block.synced_from
        ? block.synced_block.synced_from.block_id
        : block.id;
    if (expanding.has(source)) {
      warnings.push(`synced block ${block.id} repeats ${source}, which contains it; its content is shown once`);
      return leaf;
    }
    if (depth >= maxDepth) {
      warnings.push(
        `block ${block.id} (${block.type}) is nested deeper than ${maxDepth} levels; its content is left out`,
      );
      return leaf;
    }
    const next = new Set(expanding).add(block.id).add(source);
    const children = await listChildren(source);
    // A meeting's transcript can run to thousands of blocks and is never rendered: keep the block,
    // skip loading what is inside it.
    const meeting =
      block.type === 'meeting_notes'
        ? block.meeting_notes
        : block.type === 'transcription'
          ? block.transcription
          : undefined;
    const transcriptId = meeting?.children?.transcript_block_id;
    return {
      ...block,
      children: await Promise.all(
        children.map((c) => (c.id === transcriptId ? { ...c, children: [] } : expand(c, depth + 1, next))),
      ),
    };
  }

  const top = await listChildren(rootId);
  // Top-level blocks are at depth 1, so maxDepth 1 loads the page's own blocks and nothing below.
  const blocks = await Promise.all(top.map((b) => expand(b, 1, new Set([rootId]))));
  return { blocks, requests, warnings };
}

/**
 * Runs at most `max` of the given tasks at once; the rest wait their turn in order. A finishing task
 * hands its slot straight to the next waiter, so a newcomer cannot slip in between and exceed `max`.
 */
function semaphore(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active < max) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
