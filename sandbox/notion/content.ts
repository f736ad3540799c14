/**
 * Seed builders for page content: one helper per block type (BlockInput shape, rich text from plain
 * strings), a realistic page body that uses every structure a Notion → Markdown export must handle
 * (notion.md §6, §9), and a tree seeder for N nested pages (tests and benchmarks).
 * Everything is deterministic for a given seed, except generated block ids.
 */
import { randomUUID } from 'node:crypto';
import type { NotionControl } from './control';
import type { BlockInput } from './types';
import { richText } from './values';

const rt = (s: string) => [richText(s)];
const withKids = (block: BlockInput, children?: BlockInput[]): BlockInput =>
  children && children.length > 0 ? { ...block, children } : block;

/** A 1×1 transparent PNG: small, but real image bytes. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
/** A minimal one-page PDF. */
export const TINY_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  'utf8',
);

const hosted = (name: string, content: Buffer | string, contentType?: string) => ({
  type: 'file',
  file: { name, content, ...(contentType ? { content_type: contentType } : {}) },
});

/** One builder per block type. Hosted media (`*Hosted`) get signed, expiring URLs when read. */
export const b = {
  paragraph: (text: string, children?: BlockInput[]) =>
    withKids({ type: 'paragraph', paragraph: { rich_text: rt(text) } }, children),
  heading: (level: 1 | 2 | 3 | 4, text: string, opts: { toggleable?: boolean; children?: BlockInput[] } = {}) => {
    const type = `heading_${level}` as const;
    return withKids({ type, [type]: { rich_text: rt(text), is_toggleable: opts.toggleable ?? false } }, opts.children);
  },
  bullet: (text: string, children?: BlockInput[]) =>
    withKids({ type: 'bulleted_list_item', bulleted_list_item: { rich_text: rt(text) } }, children),
  numbered: (text: string, children?: BlockInput[]) =>
    withKids({ type: 'numbered_list_item', numbered_list_item: { rich_text: rt(text) } }, children),
  todo: (text: string, checked = false, children?: BlockInput[]) =>
    withKids({ type: 'to_do', to_do: { rich_text: rt(text), checked } }, children),
  toggle: (text: string, children: BlockInput[]) =>
    withKids({ type: 'toggle', toggle: { rich_text: rt(text) } }, children),
  quote: (text: string, children?: BlockInput[]) =>
    withKids({ type: 'quote', quote: { rich_text: rt(text) } }, children),
  callout: (text: string, emoji = '💡', children?: BlockInput[]) =>
    withKids({ type: 'callout', callout: { rich_text: rt(text), icon: { type: 'emoji', emoji } } }, children),
  code: (source: string, language = 'typescript') => ({ type: 'code', code: { rich_text: rt(source), language } }),
  equation: (expression: string) => ({ type: 'equation', equation: { expression } }),
  divider: () => ({ type: 'divider', divider: {} }),
  tableOfContents: () => ({ type: 'table_of_contents', table_of_contents: {} }),
  breadcrumb: () => ({ type: 'breadcrumb', breadcrumb: {} }),
  /** Columns of equal width (width_ratio set, as Notion does since 2025-05). */
  columns: (...columns: BlockInput[][]) => ({
    type: 'column_list',
    column_list: {},
    children: columns.map((children) => ({
      type: 'column',
      column: { width_ratio: Math.round((1 / columns.length) * 1000) / 1000 },
      children,
    })),
  }),
  table: (rows: string[][], opts: { columnHeader?: boolean; rowHeader?: boolean } = {}) => ({
    type: 'table',
    table: {
      table_width: rows[0]?.length ?? 1,
      has_column_header: opts.columnHeader ?? true,
      has_row_header: opts.rowHeader ?? false,
    },
    children: rows.map((cells) => ({ type: 'table_row', table_row: { cells: cells.map((c) => rt(c)) } })),
  }),
  /** An original synced block and a copy of it (the copy's children are the original's). */
  syncedPair: (children: BlockInput[]): [BlockInput, BlockInput] => {
    const id = randomUUID();
    return [
      { id, type: 'synced_block', synced_block: { synced_from: null }, children },
      { type: 'synced_block', synced_block: { synced_from: { type: 'block_id', block_id: id } } },
    ];
  },
  /** A nested page (also a child_page block of its parent). Give `id` to know it afterwards. */
  childPage: (title: string, children: BlockInput[] = [], id?: string) => ({
    ...(id ? { id } : {}),
    type: 'child_page',
    child_page: { title },
    children,
  }),
  /** A child_database block; `databaseId` should be a database added with addDatabase. */
  childDatabase: (databaseId: string, title: string) => ({
    id: databaseId,
    type: 'child_database',
    child_database: { title },
  }),
  linkToPage: (pageId: string) => ({ type: 'link_to_page', link_to_page: { type: 'page_id', page_id: pageId } }),
  bookmark: (url: string, caption = '') => ({
    type: 'bookmark',
    bookmark: { url, caption: caption ? rt(caption) : [] },
  }),
  embed: (url: string) => ({ type: 'embed', embed: { url, caption: [] } }),
  linkPreview: (url: string) => ({ type: 'link_preview', link_preview: { url } }),
  imageHosted: (name = 'diagram.png', content: Buffer = TINY_PNG, caption = '') => ({
    type: 'image',
    image: { caption: caption ? rt(caption) : [], ...hosted(name, content, 'image/png') },
  }),
  imageExternal: (url: string, caption = '') => ({
    type: 'image',
    image: { caption: caption ? rt(caption) : [], type: 'external', external: { url } },
  }),
  pdfHosted: (name = 'document.pdf', content: Buffer = TINY_PDF) => ({
    type: 'pdf',
    pdf: { caption: [], ...hosted(name, content, 'application/pdf') },
  }),
  fileHosted: (name: string, content: Buffer | string, contentType?: string) => ({
    type: 'file',
    file: { caption: [], name, ...hosted(name, content, contentType) },
  }),
  fileExternal: (url: string, name: string) => ({
    type: 'file',
    file: { caption: [], name, type: 'external', external: { url } },
  }),
  videoExternal: (url: string) => ({ type: 'video', video: { caption: [], type: 'external', external: { url } } }),
  audioHosted: (name = 'note.mp3') => ({
    type: 'audio',
    audio: { caption: [], ...hosted(name, 'ID3 simulated audio', 'audio/mpeg') },
  }),
  tab: (children: BlockInput[]) => withKids({ type: 'tab', tab: {} }, children),
  meetingNotes: (title: string) => ({
    type: 'meeting_notes',
    meeting_notes: { title: rt(title), status: 'notes_ready' },
  }),
  transcription: (title: string) => ({
    type: 'transcription',
    transcription: { title: rt(title), status: 'notes_ready' },
  }),
  template: (text: string, children?: BlockInput[]) =>
    withKids({ type: 'template', template: { rich_text: rt(text) } }, children),
  unsupported: (blockType = 'form') => ({ type: 'unsupported', unsupported: { block_type: blockType } }),
} satisfies Record<string, (...args: never[]) => BlockInput | BlockInput[]>;

const TOPICS = ['Onboarding', 'Billing', 'Campaigns', 'Segments', 'Webhooks', 'Imports', 'Deliverability', 'Reporting'];

/**
 * A realistic page body (≈ 60 blocks, 4 levels deep) for seed `i`: nested headings, lists 3 deep,
 * toggles and toggleable headings, columns, a table, a synced block and its copy, equations, code,
 * to-dos, callouts, quotes, hosted and external images, a hosted PDF, bookmarks and embeds.
 * `childPages` adds that many small nested pages, one of them inside a column (parent block_id).
 */
export function realisticContent(i: number, opts: { childPages?: number } = {}): BlockInput[] {
  const topic = TOPICS[i % TOPICS.length]!;
  const [original, copy] = b.syncedPair([
    b.callout(`Support hours for ${topic}: 9:00-18:00 CET`, '📞'),
    b.paragraph('This block is synced: edit it once, every copy follows.'),
  ]);
  const pages = Array.from({ length: opts.childPages ?? 0 }, (_, k) =>
    b.childPage(`${topic} note ${i}.${k + 1}`, [b.paragraph(`A short note about ${topic.toLowerCase()} (${k + 1}).`)]),
  );
  return [
    b.tableOfContents(),
    b.callout(`This page documents ${topic.toLowerCase()} (revision ${i}).`, 'ℹ️'),
    b.heading(1, `${topic} guide`),
    b.paragraph(`Everything the team needs to know about ${topic.toLowerCase()}, kept short and current.`),
    original,
    b.heading(2, 'Steps'),
    b.numbered('Prepare the account', [
      b.numbered('Check the plan', [b.bullet('Free: 300 emails a day'), b.bullet('Pro: no daily limit')]),
      b.numbered('Invite the team'),
    ]),
    b.numbered('Connect the sources', [b.bullet('Notion', [b.bullet('Share the database with the integration')])]),
    b.numbered('Run a first sync'),
    b.heading(2, 'Checklist'),
    b.todo('Owner assigned', true),
    b.todo('Limits reviewed', i % 2 === 0),
    b.todo('Rollback plan written', false, [b.paragraph('Link the runbook here.')]),
    b.heading(3, 'Details', {
      toggleable: true,
      children: [b.paragraph('Hidden until expanded.'), b.bullet('One more level')],
    }),
    b.toggle('FAQ: why is my sync late?', [
      b.paragraph('Edits are picked up by the next poll or by a webhook.'),
      b.quote('last_edited_time is rounded to the minute.'),
    ]),
    b.heading(2, 'Architecture'),
    b.columns(
      [b.heading(3, 'Inputs'), b.bullet('Notion pages'), b.bullet('Brevo events'), ...pages.slice(0, 1)],
      [
        b.heading(3, 'Outputs'),
        b.bullet('Brevo contacts'),
        b.imageExternal(`https://images.example.com/${topic}.png`, 'Flow'),
      ],
    ),
    b.table(
      [
        ['Limit', 'Value', 'Source'],
        ['Requests', '3 per second', 'Notion'],
        ['Children per append', '100', 'Notion'],
        ['Contacts per import', '8 MB', 'Brevo'],
      ],
      { columnHeader: true },
    ),
    b.heading(2, 'Formulas'),
    b.equation('E = mc^2'),
    b.paragraph('The pacing budget per lane:'),
    b.equation('r_{lane} = \\frac{3}{n_{tenants}}'),
    b.heading(2, 'Code'),
    b.code(`const res = await notion.blocks.children.list({ block_id: '${topic.toLowerCase()}' });`, 'typescript'),
    b.code('SELECT id FROM contacts WHERE list = 7;', 'sql'),
    b.heading(2, 'Media'),
    b.imageHosted(`${topic.toLowerCase()}-screenshot.png`, TINY_PNG, 'Screenshot'),
    b.pdfHosted(`${topic.toLowerCase()}-spec.pdf`),
    b.bookmark(`https://developers.notion.com/reference/${topic.toLowerCase()}`, 'Reference'),
    b.embed('https://www.youtube.com/embed/dQw4w9WgXcQ'),
    b.divider(),
    b.quote(`"${topic} done right is invisible." - the team`),
    copy,
    ...pages.slice(1),
  ];
}

/** A page whose whole content is one hosted PDF (exports must cope with a page without text). */
export function pdfOnlyContent(name = 'contract.pdf'): BlockInput[] {
  return [b.pdfHosted(name)];
}

export interface DocsTreeOptions {
  /** Pages in the tree, root included. */
  pages: number;
  /** Children per page. Default 4. */
  fanout?: number;
  title?: string;
  /** Body of page k (0 = root). Default: realisticContent(k); every 7th page is PDF-only. */
  content?: (k: number) => BlockInput[];
  /** Parent of the root; default: the workspace. */
  parentPageId?: string;
}

export interface DocsTree {
  rootId: string;
  /** Every page id, breadth first (root first). */
  pageIds: string[];
  /** Depth of each page (root = 0), by id. */
  depth: Map<string, number>;
}

/**
 * Seed a tree of `pages` nested pages (breadth first, `fanout` children each). Every third child
 * page sits inside a toggle of its parent (parent `block_id`), the others directly under it.
 */
export function seedDocsTree(sim: NotionControl, opts: DocsTreeOptions): DocsTree {
  if (opts.pages < 1) throw new Error('seedDocsTree: pages must be ≥ 1');
  const fanout = opts.fanout ?? 4;
  const content =
    opts.content ?? ((k: number) => (k > 0 && k % 7 === 0 ? pdfOnlyContent(`scan-${k}.pdf`) : realisticContent(k)));
  const root = sim.addContentPage({
    title: opts.title ?? 'Docs',
    parentPageId: opts.parentPageId,
    children: content(0),
    icon: { type: 'emoji', emoji: '📚' },
  });
  const pageIds = [root.id];
  const depth = new Map([[root.id, 0]]);
  for (let parentIndex = 0; pageIds.length < opts.pages; parentIndex++) {
    const parentId = pageIds[parentIndex]!;
    for (let c = 0; c < fanout && pageIds.length < opts.pages; c++) {
      const k = pageIds.length;
      const title = `${TOPICS[k % TOPICS.length]} ${k}`;
      let id: string;
      if (k % 3 === 0) {
        id = randomUUID();
        sim.appendBlocks(parentId, [b.toggle(`More about ${title}`, [b.childPage(title, content(k), id)])]);
      } else {
        id = sim.addContentPage({ title, parentPageId: parentId, children: content(k) }).id;
      }
      pageIds.push(id);
      depth.set(id, (depth.get(parentId) ?? 0) + 1);
    }
  }
  return { rootId: root.id, pageIds, depth };
}
