/**
 * An in-memory `GET /v1/blocks/:id/children` that keeps Notion's rules (notion.md §2, §6), so the
 * loader is tested against the API's behaviour rather than against its own assumptions:
 * page_size must be 1–100 (else a 400 validation_error), cursors are opaque and only valid for the
 * listing that issued them, and an id the integration cannot see is a 404 object_not_found.
 */
import { randomUUID } from 'node:crypto';
import type { ChildrenPage, FetchChildren } from '../../shared/connectors/notion/content';

export class FakeNotionError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'FakeNotionError';
  }
}

export interface FakeCall {
  blockId: string;
  startCursor: string | undefined;
  pageSize: number;
}

export class FakeNotionBlocks {
  readonly calls: FakeCall[] = [];
  maxInFlight = 0;
  private inFlight = 0;
  private readonly cursors = new Map<string, { blockId: string; offset: number }>();

  constructor(
    private readonly children: Record<string, unknown[]>,
    private readonly latencyMs = 0,
  ) {}

  readonly fetchChildren: FetchChildren = async (blockId, startCursor, pageSize) => {
    this.calls.push({ blockId, startCursor, pageSize });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      return this.list(blockId, startCursor, pageSize);
    } finally {
      this.inFlight--;
    }
  };

  private list(blockId: string, startCursor: string | undefined, pageSize: number): ChildrenPage {
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
      throw new FakeNotionError(
        400,
        'validation_error',
        `body failed validation: page_size should be ≤ 100, instead was ${pageSize}`,
      );
    }
    const list = this.children[blockId];
    if (list === undefined) {
      throw new FakeNotionError(404, 'object_not_found', `Could not find block with ID: ${blockId}.`);
    }
    let offset = 0;
    if (startCursor !== undefined) {
      const cursor = this.cursors.get(startCursor);
      if (cursor === undefined || cursor.blockId !== blockId) {
        throw new FakeNotionError(400, 'validation_error', `start_cursor ${startCursor} is not valid for this listing`);
      }
      offset = cursor.offset;
    }
    const results = list.slice(offset, offset + pageSize);
    const hasMore = offset + pageSize < list.length;
    let next: string | null = null;
    if (hasMore) {
      next = randomUUID();
      this.cursors.set(next, { blockId, offset: offset + pageSize });
    }
    return { results, has_more: hasMore, next_cursor: next };
  }
}

/** A block object in the API's response shape, for tests that build small trees. */
export function block(id: string, type: string, payload: unknown, hasChildren = false): Record<string, unknown> {
  return {
    object: 'block',
    id,
    parent: { type: 'page_id', page_id: 'root' },
    created_time: '2026-08-03T09:14:00.000Z',
    last_edited_time: '2026-08-03T09:14:00.000Z',
    created_by: { object: 'user', id: 'u1' },
    last_edited_by: { object: 'user', id: 'u1' },
    has_children: hasChildren,
    archived: false,
    in_trash: false,
    type,
    [type]: payload,
  };
}

/** A plain text rich-text item in the API's response shape. */
export function text(
  content: string,
  annotations: Record<string, boolean> = {},
  link?: string,
): Record<string, unknown> {
  return {
    type: 'text',
    text: { content, link: link === undefined ? null : { url: link } },
    annotations: {
      bold: false,
      italic: false,
      strikethrough: false,
      underline: false,
      code: false,
      color: 'default',
      ...annotations,
    },
    plain_text: content,
    href: link ?? null,
  };
}
