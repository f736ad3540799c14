/**
 * Page markdown (notion.md §6): GET /v1/pages/:id/markdown renders the block tree as "enhanced"
 * Markdown, and POST /v1/pages accepts `markdown` instead of `children`.
 *
 * Notion's exact output is UNVERIFIED in our reference, so this is an approximation that keeps what a
 * client has to cope with: plain Markdown for text blocks, XML-ish tags for what Markdown lacks
 * (toggles, callouts, columns, tables, child pages, files), signed (expiring) URLs for hosted files,
 * and truncation by a record count: once the budget is spent, each block that would come next is
 * left out with its whole subtree and its id listed in `unknown_block_ids` (fetch those ids through
 * the same endpoint to get the missing parts).
 */
import type { NotionStore } from './store';
import type { BlockRec, NotionVersion } from './types';
import { isRecord } from './util';
import { plainText, type RichText, richText } from './values';

export interface MarkdownResult {
  markdown: string;
  truncated: boolean;
  unknownBlockIds: string[];
}

/** Rich text with the common annotations as Markdown marks. */
export function richTextToMarkdown(items: unknown): string {
  if (!Array.isArray(items)) return '';
  return items
    .map((it) => {
      if (!isRecord(it)) return '';
      if (it.type === 'equation' && isRecord(it.equation)) return `$${String(it.equation.expression)}$`;
      let t = String(it.plain_text ?? '');
      if (t === '') return '';
      const a = isRecord(it.annotations) ? it.annotations : {};
      if (a.code) t = `\`${t}\``;
      if (a.bold) t = `**${t}**`;
      if (a.italic) t = `*${t}*`;
      if (a.strikethrough) t = `~~${t}~~`;
      const href = typeof it.href === 'string' ? it.href : null;
      return href ? `[${t}](${href})` : t;
    })
    .join('');
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

class Renderer {
  private records = 0;
  readonly unknown: string[] = [];

  constructor(
    private readonly store: NotionStore,
    private readonly version: NotionVersion,
    private readonly limit: number,
  ) {}

  /** Render blocks as lines (indent = nesting under list items and toggles). */
  blocks(ids: string[], indent: string): string[] {
    const out: string[] = [];
    let number = 0;
    for (const id of ids) {
      const block = this.store.blocks.get(id);
      if (!block) continue;
      if (this.records >= this.limit) {
        this.unknown.push(block.id);
        continue;
      }
      this.records++;
      number = block.type === 'numbered_list_item' ? number + 1 : 0;
      out.push(...this.block(block, indent, number));
    }
    return out;
  }

  private kids(block: BlockRec, indent: string): string[] {
    return this.blocks(this.store.childIdsOf(block.id), indent);
  }

  private block(b: BlockRec, indent: string, number: number): string[] {
    const d = b.data;
    const rt = () => richTextToMarkdown(d.rich_text);
    const nested = () => this.kids(b, `${indent}\t`);
    const line = (s: string) => [`${indent}${s}`];
    switch (b.type) {
      case 'paragraph':
        return [...line(rt()), ...nested()];
      case 'heading_1':
      case 'heading_2':
      case 'heading_3':
      case 'heading_4': {
        const marks = '#'.repeat(Number(b.type.slice(-1)));
        return d.is_toggleable
          ? [...line(`<details>`), ...line(`<summary>${marks} ${rt()}</summary>`), ...nested(), ...line('</details>')]
          : [...line(`${marks} ${rt()}`), ...nested()];
      }
      case 'bulleted_list_item':
        return [...line(`- ${rt()}`), ...nested()];
      case 'numbered_list_item':
        return [...line(`${number}. ${rt()}`), ...nested()];
      case 'to_do':
        return [...line(`- [${d.checked ? 'x' : ' '}] ${rt()}`), ...nested()];
      case 'quote':
        return [...line(`> ${rt()}`), ...nested()];
      case 'toggle':
        return [...line('<details>'), ...line(`<summary>${rt()}</summary>`), ...nested(), ...line('</details>')];
      case 'callout': {
        const icon = isRecord(d.icon) && typeof d.icon.emoji === 'string' ? ` icon="${attr(d.icon.emoji)}"` : '';
        return [...line(`<callout${icon}>`), ...line(`\t${rt()}`), ...nested(), ...line('</callout>')];
      }
      case 'code': {
        const body = plainText(d.rich_text).split('\n');
        return [...line(`\`\`\`${String(d.language ?? '')}`), ...body.map((l) => `${indent}${l}`), ...line('```')];
      }
      case 'equation':
        return [...line('$$'), ...line(String(d.expression)), ...line('$$')];
      case 'divider':
        return line('---');
      case 'table_of_contents':
        return line('<table_of_contents/>');
      case 'breadcrumb':
        return line('<breadcrumb/>');
      case 'column_list':
        return [...line('<columns>'), ...this.kids(b, `${indent}\t`), ...line('</columns>')];
      case 'column':
        return [...line('<column>'), ...nested(), ...line('</column>')];
      case 'table': {
        const head = d.has_column_header ? ' header-row="true"' : '';
        const rows = this.store.childIdsOf(b.id).map((id) => this.store.blocks.get(id));
        const out = line(`<table${head}>`);
        for (const row of rows) {
          if (!row) continue;
          if (this.records >= this.limit) {
            this.unknown.push(row.id);
            continue;
          }
          this.records++;
          const cells = (row.data.cells as unknown[]).map((c) => `<td>${richTextToMarkdown(c)}</td>`).join('');
          out.push(`${indent}\t<tr>${cells}</tr>`);
        }
        out.push(`${indent}</table>`);
        return out;
      }
      case 'synced_block':
        return [...line('<synced_block>'), ...nested(), ...line('</synced_block>')];
      case 'child_page': {
        const page = this.store.pages.get(b.id);
        const rendered = page ? this.store.renderPage(page, this.version) : undefined;
        const title = page ? this.store.titleOf(page) : String(d.title);
        return line(`<page url="${attr(String(rendered?.url ?? ''))}">${title}</page>`);
      }
      case 'child_database':
        return line(`<database>${String(d.title)}</database>`);
      case 'link_to_page':
        return line(`<mention-page url="${String(d[String(d.type)])}"/>`);
      case 'bookmark':
      case 'embed':
      case 'link_preview':
        return line(`[${richTextToMarkdown(d.caption) || String(d.url)}](${String(d.url)})`);
      case 'image':
      case 'video':
      case 'pdf':
      case 'file':
      case 'audio': {
        const rendered = this.store.renderBlock(b, this.version)[b.type] as Record<string, unknown>;
        const src =
          rendered.type === 'file'
            ? (rendered.file as { url: string }).url
            : (rendered.external as { url: string }).url;
        const caption = richTextToMarkdown(d.caption);
        return b.type === 'image'
          ? line(`![${caption}](${src})`)
          : line(`<${b.type} src="${attr(src)}">${caption}</${b.type}>`);
      }
      default:
        return line(`<unknown alt="${b.type}"/>`);
    }
  }

  get truncated(): boolean {
    return this.unknown.length > 0;
  }
}

/** Markdown of a page's content, or of one block and its subtree when `rootBlockId` is given. */
export function renderMarkdown(
  store: NotionStore,
  target: { pageId: string } | { blockId: string },
  version: NotionVersion,
  recordLimit: number,
): MarkdownResult {
  const r = new Renderer(store, version, recordLimit);
  const lines = 'pageId' in target ? r.blocks(store.childIdsOf(target.pageId), '') : r.blocks([target.blockId], '');
  return { markdown: lines.join('\n'), truncated: r.truncated, unknownBlockIds: r.unknown };
}

// ---------------------------------------------------------------------------------------------
// Markdown → blocks (POST /v1/pages with `markdown`)

interface MdBlock {
  type: string;
  [key: string]: unknown;
  children?: MdBlock[];
}

const rich = (s: string): RichText[] => (s === '' ? [] : [richText(s)]);

/** Line forms, first match wins (the last one always matches). */
const LINE_RULES: Array<{ re: RegExp; nests: boolean; block: (m: RegExpExecArray) => MdBlock }> = [
  {
    re: /^(#{1,4}) (.*)$/,
    nests: false,
    block: (m) => {
      const type = `heading_${m[1]!.length}`;
      return { type, [type]: { rich_text: rich(m[2]!) } };
    },
  },
  {
    re: /^[-*] \[( |x|X)\] (.*)$/,
    nests: true,
    block: (m) => ({ type: 'to_do', to_do: { rich_text: rich(m[2]!), checked: m[1] !== ' ' } }),
  },
  {
    re: /^[-*+] (.*)$/,
    nests: true,
    block: (m) => ({ type: 'bulleted_list_item', bulleted_list_item: { rich_text: rich(m[1]!) } }),
  },
  {
    re: /^\d+[.)] (.*)$/,
    nests: true,
    block: (m) => ({ type: 'numbered_list_item', numbered_list_item: { rich_text: rich(m[1]!) } }),
  },
  { re: /^> ?(.*)$/, nests: false, block: (m) => ({ type: 'quote', quote: { rich_text: rich(m[1]!) } }) },
  { re: /^(-{3,}|\*{3,})$/, nests: false, block: () => ({ type: 'divider', divider: {} }) },
  { re: /^(.*)$/, nests: false, block: (m) => ({ type: 'paragraph', paragraph: { rich_text: rich(m[1]!) } }) },
];

/**
 * A small Markdown reader: headings 1-4, bullets, numbered items, to-dos, quotes, fenced code,
 * `$$` equations, `---` dividers and paragraphs; list items nest by indentation (tab or 2 spaces).
 * Returns blocks in request shape plus the text of a leading `# ` heading (a title candidate).
 */
export function markdownToBlocks(md: string): { blocks: MdBlock[]; firstH1: string | undefined } {
  const lines = md.replace(/\r\n/g, '\n').split('\n');
  const root: MdBlock[] = [];
  const stack: Array<{ depth: number; block: MdBlock }> = [];
  let firstH1: string | undefined;
  const push = (block: MdBlock, depth: number) => {
    while (stack.length > 0 && stack[stack.length - 1]!.depth >= depth) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) {
      parent.block.children ??= [];
      parent.block.children.push(block);
    } else root.push(block);
    stack.push({ depth, block });
  };
  for (let i = 0; i < lines.length; i++) {
    const rawLine = lines[i]!;
    if (rawLine.trim() === '') {
      stack.length = 0;
      continue;
    }
    const indent = /^[\t ]*/.exec(rawLine)![0].replace(/\t/g, '  ').length;
    const depth = Math.floor(indent / 2);
    const l = rawLine.trim();
    if (l.startsWith('```')) {
      const language = l.slice(3).trim() || 'plain text';
      const body: string[] = [];
      while (i + 1 < lines.length && !lines[i + 1]!.trim().startsWith('```')) body.push(lines[++i]!);
      i++;
      push({ type: 'code', code: { rich_text: rich(body.join('\n')), language } }, 0);
      stack.length = 0;
      continue;
    }
    if (l === '$$') {
      const body: string[] = [];
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== '$$') body.push(lines[++i]!);
      i++;
      push({ type: 'equation', equation: { expression: body.join('\n') } }, 0);
      stack.length = 0;
      continue;
    }
    const heading = /^(#{1,4}) (.*)$/.exec(l);
    if (heading && heading[1]!.length === 1 && firstH1 === undefined && root.length === 0) {
      firstH1 = heading[2]!;
      continue;
    }
    const rule = LINE_RULES.find((r) => r.re.test(l))!;
    const m = rule.re.exec(l)!;
    push(rule.block(m), rule.nests ? depth : 0);
    // Only list items take indented children; anything else ends the current nesting.
    if (!rule.nests) stack.length = 0;
  }
  return { blocks: root, firstH1 };
}
