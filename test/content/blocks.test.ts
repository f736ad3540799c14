import { BLOCK_TYPES, parseBlock, RichTextArraySchema } from '../../shared/connectors/notion/content';
import { block, text } from './fake-notion';

describe('parseBlock', () => {
  it('knows every block type of API 2025-09-03 / 2026-03-11', () => {
    for (const type of [
      'heading_4',
      'tab',
      'meeting_notes',
      'transcription',
      'link_preview',
      'unsupported',
      'table_row',
    ]) {
      expect(BLOCK_TYPES).toContain(type);
    }
  });

  it('turns an unknown type into unsupported naming it, instead of throwing', () => {
    const parsed = parseBlock(block('x', 'hologram', { depth: 3 }, true));
    expect(parsed).toEqual({
      id: 'x',
      has_children: true,
      in_trash: false,
      type: 'unsupported',
      unsupported: { block_type: 'hologram' },
    });
  });

  it('turns a malformed known type into unsupported with the reason', () => {
    const parsed = parseBlock(block('x', 'table', { table_width: 'wide' }));
    expect(parsed.type).toBe('unsupported');
    expect(parsed.type === 'unsupported' && parsed.unsupported.reason).toMatch(
      /^malformed table at table\.table_width/,
    );
  });

  it('reads archived (before 2026-03-11) as in_trash, and a partial block as unsupported', () => {
    expect(parseBlock({ ...block('x', 'divider', {}), in_trash: undefined, archived: true }).in_trash).toBe(true);
    expect(parseBlock({ object: 'block', id: 'p' })).toMatchObject({
      type: 'unsupported',
      unsupported: { block_type: 'partial' },
    });
  });

  it('reads a result without an id as an unsupported block with the reason, and no children to fetch', () => {
    expect(parseBlock({ type: 'paragraph', paragraph: { rich_text: [] }, has_children: true })).toEqual({
      id: '',
      has_children: false,
      in_trash: false,
      type: 'unsupported',
      unsupported: { block_type: 'paragraph', reason: 'a block Notion sent without an id' },
    });
  });
});

describe('rich text', () => {
  it('defaults missing annotations, keeps unknown kinds as text and drops only the broken item', () => {
    const parsed = RichTextArraySchema.parse([
      { type: 'text', text: { content: 'a', link: null }, plain_text: 'a', href: null },
      { type: 'sparkle', sparkle: {}, plain_text: 'b', href: 'https://x.example' },
      { nonsense: true },
      {
        type: 'mention',
        mention: { type: 'agent', agent: {} },
        plain_text: '@Bot',
        href: null,
        annotations: text('').annotations,
      },
    ]);
    expect(parsed).toHaveLength(3);
    expect(parsed[0]?.annotations.bold).toBe(false);
    expect(parsed[1]).toMatchObject({ type: 'text', text: { content: 'b', link: { url: 'https://x.example' } } });
    expect(parsed[2]).toMatchObject({ type: 'mention', mention: { type: 'other', other: { type: 'agent' } } });
  });
});
