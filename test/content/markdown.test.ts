import { renderMarkdown, richTextToMarkdown } from '../../shared/connectors/notion/content';
import { RichTextArraySchema } from '../../shared/connectors/notion/content/blocks';
import { item, node, para, t } from './helpers';

const rich = (...items: unknown[]) => RichTextArraySchema.parse(items);

describe('list numbering', () => {
  it('numbers consecutive items and restarts after anything that interrupts the list', () => {
    const md = renderMarkdown([
      item('numbered_list_item', 'a'),
      item('numbered_list_item', 'b'),
      para('between'),
      item('numbered_list_item', 'c'),
      item('numbered_list_item', 'd'),
    ]);
    expect(md).toBe('1. a\n2. b\n\nbetween\n\n1. c\n2. d\n');
  });

  it('keeps two lists apart that only an empty paragraph separates, or Markdown would merge them', () => {
    const md = renderMarkdown([item('numbered_list_item', 'a'), para(), item('numbered_list_item', 'b')]);
    expect(md).toBe('1. a\n\n<!-- -->\n\n1. b\n');
  });

  it('starts at list_start_index and restarts per column', () => {
    const first = node('numbered_list_item', { rich_text: [t('seven')], color: 'default', list_start_index: 7 });
    const cols = node('column_list', {}, [
      node('column', {}, [item('numbered_list_item', 'x'), item('numbered_list_item', 'y')]),
      node('column', {}, [item('numbered_list_item', 'z')]),
    ]);
    expect(renderMarkdown([first, item('numbered_list_item', 'eight'), cols])).toBe(
      '7. seven\n8. eight\n\n<!-- -->\n\n1. x\n2. y\n\n<!-- -->\n\n1. z\n',
    );
  });

  it('indents nested items under the text of their parent, whatever the marker width', () => {
    const items = Array.from({ length: 10 }, (_, i) =>
      item(
        'numbered_list_item',
        `n${i + 1}`,
        i === 9 ? [item('bulleted_list_item', 'deep', [item('numbered_list_item', 'deeper')])] : [],
      ),
    );
    const md = renderMarkdown(items);
    expect(md.endsWith('10. n10\n    - deep\n      1. deeper\n')).toBe(true);
  });

  it('puts a blank line before a non-list child so it is not read as the item text continuing', () => {
    expect(renderMarkdown([item('bulleted_list_item', 'a', [para('more')])])).toBe('- a\n\n  more\n');
  });

  it('renders to-dos as task items separate from an adjacent bulleted list', () => {
    const todo = node('to_do', { rich_text: [t('done')], checked: true, color: 'default' });
    const open = node('to_do', { rich_text: [t('open')], checked: false, color: 'default' });
    expect(renderMarkdown([item('bulleted_list_item', 'b'), todo, open])).toBe(
      '- b\n\n<!-- -->\n\n- [x] done\n- [ ] open\n',
    );
  });
});

describe('rich text', () => {
  it('moves whitespace outside the markers', () => {
    expect(richTextToMarkdown(rich(t('a'), t(' bold ', { bold: true }), t('b')))).toBe('a **bold** b');
    expect(richTextToMarkdown(rich(t('x'), t('   ', { italic: true }), t('y')))).toBe('x   y');
  });

  it('nests marks instead of closing and reopening them', () => {
    expect(
      richTextToMarkdown(rich(t('a ', { bold: true }), t('b', { bold: true, italic: true }), t(' c', { bold: true }))),
    ).toBe('**a *b* c**');
    expect(richTextToMarkdown(rich(t('x', { bold: true }), t('y', { bold: true })))).toBe('**xy**');
  });

  it('puts links inside and around bold text', () => {
    expect(
      richTextToMarkdown(
        rich(t('see ', { bold: true }), t('docs', { bold: true }, 'https://x.example/a'), t('!', { bold: true })),
      ),
    ).toBe('**see [docs](https://x.example/a)!**');
    expect(
      richTextToMarkdown(
        rich(
          t('read ', {}, 'https://x.example/'),
          t('this', { bold: true }, 'https://x.example/'),
          t(' now', {}, 'https://x.example/'),
        ),
      ),
    ).toBe('[read **this** now](https://x.example/)');
  });

  it('escapes Markdown syntax in text but not in code', () => {
    expect(richTextToMarkdown(rich(t('*a* _b_ [c](d) <e> `f` | $g'), t(' *x*', { code: true })))).toBe(
      '\\*a\\* \\_b\\_ \\[c\\](d) \\<e\\> \\`f\\` \\| \\$g `*x*`',
    );
    expect(richTextToMarkdown(rich(t('# title')))).toBe('\\# title');
    expect(richTextToMarkdown(rich(t('2. two')))).toBe('2\\. two');
    expect(richTextToMarkdown(rich(t('x\n- y')))).toBe('x\\\n\\- y');
    expect(richTextToMarkdown(rich(t('a # b 2. c')))).toBe('a # b 2. c');
  });

  it('fences code spans longer than any backtick run inside them', () => {
    expect(richTextToMarkdown(rich(t('a`b', { code: true })))).toBe('``a`b``');
    expect(richTextToMarkdown(rich(t('`x', { code: true })))).toBe('`` `x ``');
  });

  it('drops unsafe links but keeps their text', () => {
    expect(richTextToMarkdown(rich(t('go', {}, 'javascript:alert(1)')))).toBe('go');
    expect(richTextToMarkdown(rich(t('doc', {}, '/0123456789abcdef0123456789abcdef')))).toBe(
      '[doc](https://www.notion.so/0123456789abcdef0123456789abcdef)',
    );
    expect(richTextToMarkdown(rich(t('p', {}, 'https://x.example/a b(c)')))).toBe(
      '[p](https://x.example/a%20b%28c%29)',
    );
  });

  it('renders inline equations and ignores colours', () => {
    const eq = { type: 'equation', equation: { expression: ' x^2 ' }, plain_text: 'x^2', href: null };
    expect(richTextToMarkdown(rich(t('so '), eq, t(' red', { color: 'red' } as never)))).toBe('so $x^2$ red');
  });
});

describe('blocks', () => {
  it('fences code longer than any backtick run and keeps the language', () => {
    const code = node('code', { rich_text: [t('a ```` b')], caption: [], language: 'c#' });
    expect(renderMarkdown([code])).toBe('`````csharp\na ```` b\n`````\n');
  });

  it('escapes pipes in table cells, also inside code, and pads empty cells', () => {
    const table = node('table', { table_width: 3, has_column_header: true, has_row_header: false }, [
      node('table_row', { cells: [[t('a|b')], [t('c')], []] }),
      node('table_row', { cells: [[t('x | y', { code: true })], [t('line\nbreak')]] }),
    ]);
    expect(renderMarkdown([table])).toBe('| a\\|b | c |  |\n| --- | --- | --- |\n| `x \\| y` | line<br>break |  |\n');
  });

  it('gives a headerless table an empty header row and bolds row headers', () => {
    const table = node('table', { table_width: 2, has_column_header: false, has_row_header: true }, [
      node('table_row', { cells: [[t('k')], [t('v')]] }),
    ]);
    expect(renderMarkdown([table])).toBe('|  |  |\n| --- | --- |\n| **k** | v |\n');
  });

  it('renders toggles as details with an escaped HTML summary', () => {
    const toggle = node('toggle', { rich_text: [t('<Open> '), t('me', { bold: true })], color: 'default' }, [
      para('inside'),
    ]);
    expect(renderMarkdown([toggle])).toBe(
      '<details>\n<summary>&lt;Open&gt; <strong>me</strong></summary>\n\ninside\n\n</details>\n',
    );
  });

  it('quotes multi-line and nested content line by line', () => {
    const quote = node('quote', { rich_text: [t('one\ntwo')], color: 'default' }, [
      node('quote', { rich_text: [t('inner')], color: 'default' }),
    ]);
    expect(renderMarkdown([quote])).toBe('> one\\\n> two\n>\n> > inner\n');
  });

  it('uses fileUrl for Notion-hosted files and never their signed URL', () => {
    const img = node('image', {
      type: 'file',
      file: {
        url: 'https://prod-files-secure.s3.amazonaws.com/x.png?X-Amz-Expires=3600',
        expiry_time: '2026-01-01T00:00:00.000Z',
      },
      caption: [],
    });
    expect(renderMarkdown([img])).not.toContain('X-Amz');
    expect(renderMarkdown([img], { fileUrl: () => 'https://cdn.example/x.png' })).toBe(
      '![](https://cdn.example/x.png)\n',
    );
  });

  it('names unsupported and unknown block types in a comment', () => {
    const unknown = node('brand_new_type', { anything: 1 });
    expect(renderMarkdown([unknown])).toBe('<!-- unsupported block: brand_new_type -->\n');
  });

  it('builds the table of contents from the headings with GitHub anchors', () => {
    const h = (type: string, s: string) => node(type, { rich_text: [t(s)], color: 'default', is_toggleable: false });
    const md = renderMarkdown([
      node('table_of_contents', { color: 'default' }),
      h('heading_1', 'Intro!'),
      h('heading_2', 'Intro'),
      h('heading_2', 'Intro'),
    ]);
    expect(md.split('\n\n')[0]).toBe('- [Intro!](#intro)\n  - [Intro](#intro-1)\n  - [Intro](#intro-2)');
  });
});

describe('delimiters CommonMark would refuse', () => {
  it('falls back to HTML tags where punctuation inside meets a letter outside', () => {
    expect(richTextToMarkdown(rich(t('Note:', { bold: true }), t('then')))).toBe('<strong>Note:</strong>then');
    expect(richTextToMarkdown(rich(t('a'), t('"q"', { italic: true })))).toBe('a<em>"q"</em>');
    expect(richTextToMarkdown(rich(t('x', { strikethrough: true }), t('.', {})))).toBe('~~x~~.');
  });

  it('keeps Markdown delimiters where they work', () => {
    expect(richTextToMarkdown(rich(t('Note:', { bold: true }), t(' then')))).toBe('**Note:** then');
    expect(richTextToMarkdown(rich(t('('), t('aside', { italic: true }), t(')')))).toBe('(*aside*)');
  });
});
