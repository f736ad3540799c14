import { BlockTreeLimitError, type FetchChildren, loadBlockTree } from '../../shared/connectors/notion/content';
import { block, FakeNotionBlocks, FakeNotionError, text } from './fake-notion';

const para = (id: string, s: string, hasChildren = false) =>
  block(id, 'paragraph', { rich_text: [text(s)], color: 'default' }, hasChildren);
const synced = (id: string, from: string | null) =>
  block(id, 'synced_block', { synced_from: from === null ? null : { type: 'block_id', block_id: from } }, true);

describe('the Notion fake', () => {
  it('enforces page_size ≤ 100 and opaque, per-listing cursors', async () => {
    const fake = new FakeNotionBlocks({ a: [para('1', 'x'), para('2', 'y')], b: [] });
    await expect(fake.fetchChildren('a', undefined, 101)).rejects.toMatchObject({ code: 'validation_error' });
    const first = await fake.fetchChildren('a', undefined, 1);
    expect(first.has_more).toBe(true);
    await expect(fake.fetchChildren('b', first.next_cursor ?? undefined, 1)).rejects.toMatchObject({
      code: 'validation_error',
    });
    await expect(fake.fetchChildren('a', '2', 1)).rejects.toBeInstanceOf(FakeNotionError);
  });
});

describe('loadBlockTree', () => {
  it('pages through 250 children 100 at a time, passing each cursor back unchanged', async () => {
    const many = Array.from({ length: 250 }, (_, i) => para(`p${i}`, `row ${i}`));
    const fake = new FakeNotionBlocks({ root: many });
    const result = await loadBlockTree(fake.fetchChildren, 'root');
    expect(result.blocks.map((b) => b.id)).toEqual(many.map((b) => b.id));
    expect(result.requests).toBe(3);
    expect(fake.calls.map((c) => c.pageSize)).toEqual([100, 100, 100]);
    expect(fake.calls[0]?.startCursor).toBeUndefined();
    expect(fake.calls[1]?.startCursor).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a page size Notion would reject, before any request', async () => {
    const fake = new FakeNotionBlocks({ root: [] });
    await expect(loadBlockTree(fake.fetchChildren, 'root', { pageSize: 101 })).rejects.toThrow(RangeError);
    expect(fake.calls).toHaveLength(0);
  });

  it('recurses into children, counts every request and keeps the order', async () => {
    const fake = new FakeNotionBlocks({
      root: [para('a', 'A', true), para('b', 'B'), para('c', 'C', true)],
      a: [para('a1', 'A1', true)],
      a1: [para('a11', 'A11')],
      c: [para('c1', 'C1'), para('c2', 'C2')],
    });
    const result = await loadBlockTree(fake.fetchChildren, 'root');
    expect(result.requests).toBe(4);
    expect(fake.calls.map((c) => c.blockId).sort()).toEqual(['a', 'a1', 'c', 'root']);
    expect(result.blocks.map((b) => [b.id, b.children.map((c) => c.id)])).toEqual([
      ['a', ['a1']],
      ['b', []],
      ['c', ['c1', 'c2']],
    ]);
    expect(result.blocks[0]?.children[0]?.children.map((b) => b.id)).toEqual(['a11']);
  });

  it('does not descend into child pages and databases (the fake has no entry for them)', async () => {
    const fake = new FakeNotionBlocks({
      root: [block('cp', 'child_page', { title: 'Sub' }, true), block('cd', 'child_database', { title: 'DB' }, true)],
    });
    const result = await loadBlockTree(fake.fetchChildren, 'root');
    expect(result.requests).toBe(1);
    expect(result.blocks.map((b) => b.type)).toEqual(['child_page', 'child_database']);
  });

  it("reads a synced copy's children from its original", async () => {
    const fake = new FakeNotionBlocks({
      root: [synced('orig', null), synced('copy', 'orig')],
      orig: [para('s1', 'shared')],
    });
    const result = await loadBlockTree(fake.fetchChildren, 'root');
    expect(result.blocks[1]?.children.map((b) => b.id)).toEqual(['s1']);
    expect(fake.calls.map((c) => c.blockId).filter((id) => id === 'copy')).toEqual([]);
  });

  it('stops at a synced block that contains a copy of itself, with a warning', async () => {
    const fake = new FakeNotionBlocks({
      root: [synced('a', null)],
      a: [para('x', 'x'), synced('b', null)],
      b: [synced('a-copy', 'a')],
    });
    const result = await loadBlockTree(fake.fetchChildren, 'root');
    expect(result.requests).toBe(3);
    expect(result.blocks[0]?.children[1]?.children[0]?.children).toEqual([]);
    expect(result.warnings).toEqual([expect.stringContaining('synced block a-copy repeats a')]);
  });

  it('stops at maxDepth with a warning', async () => {
    const fake = new FakeNotionBlocks({
      root: [para('l1', '1', true)],
      l1: [para('l2', '2', true)],
      l2: [para('l3', '3')],
    });
    const result = await loadBlockTree(fake.fetchChildren, 'root', { maxDepth: 2 });
    expect(result.blocks[0]?.children[0]?.children).toEqual([]);
    expect(result.requests).toBe(2);
    expect(result.warnings).toEqual([expect.stringContaining('block l2 (paragraph) is nested deeper than 2 levels')]);
  });

  it('keeps at most `concurrency` requests in flight, and does use them', async () => {
    const children: Record<string, unknown[]> = { root: [] };
    for (let i = 0; i < 12; i++) {
      children.root?.push(para(`p${i}`, 'x', true));
      children[`p${i}`] = [para(`p${i}c`, 'y')];
    }
    const fake = new FakeNotionBlocks(children, 5);
    const result = await loadBlockTree(fake.fetchChildren, 'root', { concurrency: 3 });
    expect(result.requests).toBe(13);
    expect(fake.maxInFlight).toBe(3);
  });

  it('skips the meeting transcript, skips trashed blocks and tolerates has_more without a cursor', async () => {
    const meeting = block(
      'm',
      'meeting_notes',
      { title: [text('Sync')], children: { summary_block_id: 's', transcript_block_id: 'tr' } },
      true,
    );
    const trashed = { ...para('gone', 'old'), in_trash: true };
    const fetch: FetchChildren = async (id) => {
      if (id === 'root') return { results: [meeting, trashed], has_more: true, next_cursor: null };
      if (id === 'm')
        return {
          results: [
            block('s', 'unsupported', { block_type: 'summary' }, false),
            block('tr', 'unsupported', { block_type: 'transcript' }, true),
          ],
          has_more: false,
          next_cursor: null,
        };
      throw new Error(`unexpected ${id}`);
    };
    const result = await loadBlockTree(fetch, 'root');
    expect(result.requests).toBe(2);
    expect(result.blocks.map((b) => b.id)).toEqual(['m']);
    expect(result.blocks[0]?.children.map((b) => b.id)).toEqual(['s', 'tr']);
  });

  it('gives up past maxRequests', async () => {
    const fake = new FakeNotionBlocks({ root: [para('a', 'a', true), para('b', 'b', true)], a: [], b: [] });
    await expect(loadBlockTree(fake.fetchChildren, 'root', { maxRequests: 2 })).rejects.toBeInstanceOf(
      BlockTreeLimitError,
    );
  });

  it('passes Notion errors through', async () => {
    const fake = new FakeNotionBlocks({});
    await expect(loadBlockTree(fake.fetchChildren, 'nope')).rejects.toMatchObject({
      status: 404,
      code: 'object_not_found',
    });
  });
});
