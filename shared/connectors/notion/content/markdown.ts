/**
 * A loaded Notion block tree as GitHub-flavoured Markdown.
 *
 * Choices a reader of the output may wonder about:
 * - Colours are dropped (Markdown has none); underline becomes `<u>`.
 * - Toggles become `<details><summary>`; toggleable headings stay real headings with their content
 *   below them, so the table of contents and GitHub's anchors still find them.
 * - Two lists of the same marker that Notion keeps apart (an empty line, a column edge) are
 *   separated by `<!-- -->`, else Markdown would merge them and continue the numbering.
 * - Notion-hosted files never appear under their signed URL (it expires after an hour): see
 *   `RenderOptions.fileUrl`. What cannot be shown is named in an HTML comment, not silently lost.
 */
import { type BlockNode, blockRichText, type MediaBlock, mediaPayload, plainText, type RichText } from './blocks';
import {
  codeLanguage,
  collectHeadings,
  describeMention,
  formatDateRange,
  type Group,
  groupSiblings,
  type Heading,
  headingLevel,
  mediaLabel,
  mediaUrl,
  pageLink,
  type RenderOptions,
  safeLinkUrl,
} from './common';
import { richTextToHtml } from './inline-html';

export type MarkdownOptions = RenderOptions;

interface Ctx {
  opts: MarkdownOptions;
  headings: Heading[];
}

export function renderMarkdown(tree: readonly BlockNode[], opts: MarkdownOptions = {}): string {
  const ctx: Ctx = { opts, headings: collectHeadings(tree) };
  const out = renderNodes(tree, ctx);
  return out === '' ? '' : `${out}\n`;
}

// ---------- blocks ----------

function renderNodes(nodes: readonly BlockNode[], ctx: Ctx): string {
  const parts: string[] = [];
  let previous: Group | undefined;
  for (const group of groupSiblings(nodes)) {
    const text = group.kind === 'list' ? renderList(group, ctx) : renderBlock(group.node, ctx);
    if (text === '') continue;
    if (previous?.kind === 'list' && group.kind === 'list' && markerFamily(previous) === markerFamily(group)) {
      parts.push('<!-- -->');
    }
    parts.push(text);
    previous = group;
  }
  return parts.join('\n\n');
}

function markerFamily(group: Extract<Group, { kind: 'list' }>): 'ordered' | 'dash' {
  return group.list === 'numbered' ? 'ordered' : 'dash';
}

function renderList(group: Extract<Group, { kind: 'list' }>, ctx: Ctx): string {
  return group.items
    .map((item, i) => {
      let marker: string;
      let rich: RichText[];
      if (item.type === 'numbered_list_item') {
        marker = `${group.start + i}. `;
        rich = item.numbered_list_item.rich_text;
      } else if (item.type === 'to_do') {
        marker = `- [${item.to_do.checked ? 'x' : ' '}] `;
        rich = item.to_do.rich_text;
      } else if (item.type === 'bulleted_list_item') {
        marker = '- ';
        rich = item.bulleted_list_item.rich_text;
      } else {
        return '';
      }
      // Continuation lines align with the text after the marker (for a task, after "- ").
      const width = item.type === 'to_do' ? 2 : marker.length;
      const head = marker + richTextToMarkdown(rich, ctx.opts);
      const body = renderNodes(item.children, ctx);
      if (body === '') return head.trimEnd();
      // A nested list may follow its item directly; anything else needs a blank line, or it would
      // be read as a continuation of the item's text.
      const firstIsList = groupSiblings(item.children)[0]?.kind === 'list';
      return `${head.trimEnd()}${firstIsList ? '\n' : '\n\n'}${indent(body, width)}`;
    })
    .join('\n');
}

function renderBlock(node: BlockNode, ctx: Ctx): string {
  const { opts } = ctx;
  const children = () => renderNodes(node.children, ctx);
  const withChildren = (head: string) => joinBlocks(head, children());
  switch (node.type) {
    case 'paragraph':
      // Markdown cannot indent a paragraph's nested blocks (four spaces would make code): they follow it.
      return withChildren(richTextToMarkdown(node.paragraph.rich_text, opts));
    case 'heading_1':
    case 'heading_2':
    case 'heading_3':
    case 'heading_4': {
      const level = headingLevel(node) ?? 1;
      const text = richTextToMarkdown(blockRichText(node) ?? [], opts, { singleLine: true });
      return withChildren(text === '' ? '' : `${'#'.repeat(level)} ${text}`);
    }
    case 'quote':
      return quoteLines(joinBlocks(richTextToMarkdown(node.quote.rich_text, opts), children()));
    case 'callout': {
      const icon = iconText(node.callout.icon);
      const text = richTextToMarkdown(node.callout.rich_text, opts);
      return quoteLines(joinBlocks(icon && text ? `${icon} ${text}` : icon || text, children()));
    }
    case 'toggle': {
      const summary = richTextToHtml(node.toggle.rich_text, opts) || 'Details';
      const body = children();
      return `<details>\n<summary>${summary}</summary>\n\n${body === '' ? '' : `${body}\n\n`}</details>`;
    }
    case 'code': {
      const code = plainText(node.code.rich_text).replace(/\r\n?/g, '\n').replace(/\n+$/, '');
      const fence = '`'.repeat(Math.max(3, longestRun(code, '`') + 1));
      const block = `${fence}${codeLanguage(node.code.language)}\n${code}\n${fence}`;
      return joinBlocks(block, captionLine(node.code.caption, opts));
    }
    case 'equation':
      return `$$\n${node.equation.expression.trim()}\n$$`;
    case 'divider':
      return '---';
    case 'table':
      return renderTable(node, ctx);
    case 'table_row':
      // Only meaningful inside its table; a stray row still shows its cells.
      return node.table_row.cells.map((cell) => richTextToMarkdown(cell, opts, { singleLine: true })).join(' · ');
    case 'child_page':
    case 'child_database': {
      const kind = node.type === 'child_page' ? 'page' : 'database';
      const title = node.type === 'child_page' ? node.child_page.title : node.child_database.title;
      const link = pageLink(node.id, kind, title, opts);
      return mdLink(escapeText(link.title, true), link.url);
    }
    case 'link_to_page': {
      const target = node.link_to_page;
      const id = target.page_id ?? target.database_id;
      if (id === undefined) return comment(`link to a ${target.type.replace(/_id$/, '')}`);
      const link = pageLink(id, target.page_id !== undefined ? 'page' : 'database', '', opts);
      return mdLink(escapeText(link.title, true), link.url);
    }
    case 'bookmark':
    case 'embed': {
      const payload = node.type === 'bookmark' ? node.bookmark : node.embed;
      const url = safeLinkUrl(payload.url);
      const caption = richTextToMarkdown(payload.caption, opts, { singleLine: true });
      if (url === undefined) return caption === '' ? comment(`${node.type} without a usable URL`) : caption;
      return mdLink(caption || escapeText(url, true), url);
    }
    case 'link_preview': {
      const url = safeLinkUrl(node.link_preview.url);
      return url === undefined ? comment('link preview without a usable URL') : mdLink(escapeText(url, true), url);
    }
    case 'image':
    case 'video':
    case 'pdf':
    case 'file':
    case 'audio':
      return renderMedia(node, opts);
    case 'table_of_contents':
      return renderToc(ctx.headings);
    case 'tab':
      return node.children
        .map((tab) => {
          if (tab.type !== 'paragraph') return renderNodes([tab], ctx);
          const icon = iconText(tab.paragraph.icon ?? null);
          const label = richTextToMarkdown(tab.paragraph.rich_text, opts, { singleLine: true }) || 'Tab';
          return joinBlocks(`**${icon ? `${icon} ` : ''}${label}**`, renderNodes(tab.children, ctx));
        })
        .filter((s) => s !== '')
        .join('\n\n');
    case 'meeting_notes':
    case 'transcription':
      return renderMeeting(node, ctx);
    case 'breadcrumb':
      // Navigation chrome of the Notion UI, meaningless outside it.
      return '';
    case 'template':
      // A template button's children are what a click would insert, not content of the page.
      return '';
    case 'unsupported': {
      const reason = node.unsupported.reason ? ` (${node.unsupported.reason})` : '';
      return comment(`unsupported block: ${node.unsupported.block_type}${reason}`);
    }
    case 'column_list':
    case 'column':
    case 'synced_block':
    case 'bulleted_list_item':
    case 'numbered_list_item':
    case 'to_do':
      // Unwrapped or grouped into lists by groupSiblings; reached only if called on one directly.
      return renderNodes([node], ctx);
  }
}

function renderTable(node: BlockNode & { type: 'table' }, ctx: Ctx): string {
  const rows = node.children.flatMap((r) => (r.type === 'table_row' ? [r.table_row.cells] : []));
  const width = Math.max(node.table.table_width, ...rows.map((r) => r.length), 1);
  const cellText = (cell: readonly RichText[] | undefined, bold: boolean) => {
    const text = richTextToMarkdown(cell ?? [], ctx.opts, { tableCell: true });
    return bold && text !== '' ? `**${text}**` : text;
  };
  const line = (cells: string[]) => `|${cells.map((c) => ` ${c} `).join('|')}|`;
  const render = (cells: readonly (readonly RichText[])[], isHeader: boolean) =>
    line(
      Array.from({ length: width }, (_, i) => cellText(cells[i], !isHeader && i === 0 && node.table.has_row_header)),
    );
  // GitHub tables need a header row: without one in Notion, the header is left empty.
  const [first, ...rest] = node.table.has_column_header ? rows : [[], ...rows];
  const out = [
    render(first ?? [], true),
    line(Array.from({ length: width }, () => '---')),
    ...rest.map((r) => render(r, false)),
  ];
  return out.join('\n');
}

/** `files/a/b.png`, `./x.pdf`: a relative path (no scheme, no leading slash, no `..`), else undefined. */
function relativeFilePath(url: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('/') || url.includes('\\')) return undefined;
  if (url.split('/').includes('..') || !/^[\w.~%!$&'()*+,;=@/-]+$/.test(url)) return undefined;
  return url;
}

function renderMedia(node: MediaBlock, opts: MarkdownOptions): string {
  const url = mediaUrl(node, opts);
  // A document library links files next to the document (`files/<block>/<name>`): a relative path
  // without a scheme cannot be a javascript:/data: URL, so it is kept as the caller gave it.
  const safe = url === undefined ? undefined : (relativeFilePath(url) ?? safeLinkUrl(url));
  const label = mediaLabel(node);
  const payload = mediaPayload(node);
  const caption = captionLine(payload.caption, opts);
  if (safe === undefined) return joinBlocks(comment(`${node.type} "${label}" has no stable URL`), caption);
  if (node.type === 'image')
    return joinLines(`![${escapeText(plainText(payload.caption).trim(), true)}](${mdUrl(safe)})`, caption);
  const text = escapeText(node.type === 'file' && payload.name ? payload.name : label, true);
  return joinLines(mdLink(text, safe), caption && plainText(payload.caption).trim() !== label ? caption : '');
}

function renderMeeting(node: BlockNode & { type: 'meeting_notes' | 'transcription' }, ctx: Ctx): string {
  const meeting = node.type === 'meeting_notes' ? node.meeting_notes : node.transcription;
  const title = richTextToMarkdown(meeting.title, ctx.opts, { singleLine: true }) || 'Meeting notes';
  const when = meeting.calendar_event
    ? ` (${formatDateRange({ start: meeting.calendar_event.start_time, end: meeting.calendar_event.end_time, time_zone: null })})`
    : '';
  const summaryId = meeting.children?.summary_block_id;
  const summary = node.children.find((c) => c.id === summaryId);
  return joinBlocks(`**${title}**${escapeText(when, false)}`, summary ? renderNodes(summary.children, ctx) : '');
}

function renderToc(headings: readonly Heading[]): string {
  if (headings.length === 0) return '';
  const top = Math.min(...headings.map((h) => h.level));
  return headings
    .map((h) => `${'  '.repeat(h.level - top)}- [${escapeText(h.text, true)}](#${encodeURI(h.slug)})`)
    .join('\n');
}

function captionLine(caption: readonly RichText[], opts: MarkdownOptions): string {
  const text = richTextToMarkdown(caption, opts, { singleLine: true });
  return text === '' ? '' : `*${text}*`;
}

function iconText(icon: (BlockNode & { type: 'callout' })['callout']['icon']): string {
  if (icon === null) return '';
  if (icon.type === 'emoji') return icon.emoji;
  if (icon.type === 'custom_emoji') return `:${icon.custom_emoji.name}:`;
  // Image icons would need a URL that may expire; a callout reads fine without them.
  return '';
}

// ---------- layout helpers ----------

function joinBlocks(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('\n\n');
}

function joinLines(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('\n');
}

function indent(text: string, width: number): string {
  const pad = ' '.repeat(width);
  return text
    .split('\n')
    .map((l) => (l === '' ? '' : pad + l))
    .join('\n');
}

function quoteLines(text: string): string {
  if (text === '') return '';
  return text
    .split('\n')
    .map((l) => (l === '' ? '>' : `> ${l}`))
    .join('\n');
}

function comment(text: string): string {
  // "--" may not appear inside an HTML comment, and ">" could end it early in lenient parsers.
  return `<!-- ${text.replace(/-{2,}/g, '-').replace(/>/g, '&gt;')} -->`;
}

function longestRun(text: string, ch: string): number {
  let best = 0;
  let run = 0;
  for (const c of text) {
    run = c === ch ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}

/** A link destination: characters that would end or break `( … )` are percent-encoded. */
function mdUrl(url: string): string {
  return url.replace(/[ ()<>|\\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function mdLink(text: string, url: string): string {
  return `[${text}](${mdUrl(url)})`;
}

// ---------- rich text ----------

interface InlineMode {
  /** Headings, captions, links: a line break becomes a space. */
  singleLine?: boolean;
  /** Inside a table cell: line breaks become `<br>` and every `|` is escaped, even in code. */
  tableCell?: boolean;
}

/**
 * Escapes text so Markdown shows it literally. `atLineStart` also guards the characters that only
 * mean something at the start of a line (headings, list markers, setext underlines).
 */
export function escapeText(text: string, atLineStart: boolean): string {
  let out = text.replace(/[\\`*_[\]<>~|$]/g, '\\$&').replace(/&(?=#?[a-zA-Z0-9]+;)/g, '\\&');
  const lineStart = (line: string) =>
    line.replace(/^(\s*)([#+=-]|\d+(?=[.)]))/, (_m, ws: string, mark: string) =>
      /\d/.test(mark) ? `${ws}${mark}\\` : `${ws}\\${mark}`,
    );
  out = out
    .split('\n')
    .map((line, i) => (i > 0 || atLineStart ? lineStart(line) : line))
    .join('\n');
  return out;
}

type MarkKey = 'bold' | 'italic' | 'strikethrough' | 'underline' | `link:${string}`;

interface Piece {
  text: string;
  code: boolean;
  /** Already Markdown (an inline equation): not escaped. */
  literal: boolean;
  marks: MarkKey[];
}

const MARK_ORDER = ['bold', 'italic', 'strikethrough', 'underline'] as const;

function toPieces(rich: readonly RichText[], opts: MarkdownOptions): Piece[] {
  const pieces: Piece[] = [];
  for (const item of rich) {
    let text: string;
    let href: string | undefined;
    let literal = false;
    if (item.type === 'mention') {
      const m = describeMention(item, opts);
      text = m.text;
      href = m.url;
    } else if (item.type === 'equation') {
      const expr = item.equation.expression.trim();
      text = expr === '' ? '' : `$${expr.replace(/\$/g, '\\$')}$`;
      literal = true;
    } else {
      text = item.text.content;
      href = safeLinkUrl(item.text.link?.url ?? item.href);
    }
    if (text === '') continue;
    const marks: MarkKey[] = MARK_ORDER.filter((k) => item.annotations[k]);
    if (href !== undefined) marks.unshift(`link:${href}`);
    const code = item.annotations.code && !literal;
    const last = pieces.at(-1);
    // Neighbours that look the same are one run, so "**a****b**" never appears.
    if (last && !literal && !last.literal && last.code === code && sameMarks(last.marks, marks)) last.text += text;
    else pieces.push({ text, code, literal, marks });
  }
  return pieces;
}

function sameMarks(a: readonly MarkKey[], b: readonly MarkKey[]): boolean {
  return a.length === b.length && a.every((m) => b.includes(m));
}

const HTML_TAG: Record<Exclude<MarkKey, `link:${string}`>, string> = {
  bold: 'strong',
  italic: 'em',
  strikethrough: 'del',
  underline: 'u',
};

function openMark(m: MarkKey, asHtml: boolean): string {
  if (m.startsWith('link:')) return '[';
  if (asHtml || m === 'underline') return `<${HTML_TAG[m as keyof typeof HTML_TAG]}>`;
  return m === 'bold' ? '**' : m === 'italic' ? '*' : '~~';
}

function closeMark(m: MarkKey, asHtml: boolean): string {
  if (m.startsWith('link:')) return `](${mdUrl(m.slice(5))})`;
  if (asHtml || m === 'underline') return `</${HTML_TAG[m as keyof typeof HTML_TAG]}>`;
  return m === 'bold' ? '**' : m === 'italic' ? '*' : '~~';
}

const isPunct = (c: string) => /[\p{P}\p{S}]/u.test(c);
const isWordChar = (c: string) => c !== '' && !/\s/u.test(c) && !isPunct(c);

/**
 * Rich text as inline Markdown. Marks open and close like a stack, the longest-running outermost,
 * and whitespace at the edge of a run is moved outside its markers: `** bold**` would not be bold.
 * Where CommonMark's flanking rules would still refuse a `*`/`~~` delimiter (punctuation inside
 * it, a letter outside it, as in `**Note:**then`), that span is written as an HTML tag instead.
 */
export function richTextToMarkdown(
  rich: readonly RichText[],
  opts: MarkdownOptions = {},
  mode: InlineMode = {},
): string {
  const pieces = toPieces(rich, opts);
  const newline = mode.tableCell ? '<br>' : mode.singleLine ? ' ' : '\\\n';
  const ws = (s: string) => s.replace(/\r?\n/g, newline);
  const hasCore = (p: Piece) => p.text.trim() !== '';
  /** The index of the last piece with text that still carries mark `m`, from `from` on. */
  const spanEnd = (m: MarkKey, from: number) => {
    let end = from;
    for (let i = from; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (!hasCore(p)) continue;
      if (!p.marks.includes(m)) break;
      end = i;
    }
    return end;
  };
  /** Whether `*`-style delimiters around this span would fail CommonMark's flanking rules. */
  const needsHtml = (m: MarkKey, from: number, before: string) => {
    const first = pieces[from]!.text.trimStart()[0] ?? '';
    const lastPiece = pieces[spanEnd(m, from)]!;
    const last = lastPiece.text.trimEnd().at(-1) ?? '';
    const after = /\s$/u.test(lastPiece.text) ? ' ' : (pieces[spanEnd(m, from) + 1]?.text[0] ?? '');
    return (isPunct(first) && isWordChar(before)) || (isPunct(last) && isWordChar(after));
  };

  let out = '';
  const stack: MarkKey[] = [];
  const asHtml = new Map<MarkKey, boolean>();
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (!hasCore(p)) {
      out += ws(p.text);
      continue;
    }
    const [, lead = '', core = '', trail = ''] = /^(\s*)([\s\S]*?)(\s*)$/.exec(p.text) ?? [];
    out += ws(lead);
    const opening = p.marks.filter((m) => !stack.includes(m)).sort((a, b) => spanEnd(b, i) - spanEnd(a, i));
    for (const m of opening) {
      const html = !m.startsWith('link:') && needsHtml(m, i, out.at(-1) ?? '');
      asHtml.set(m, html);
      out += openMark(m, html);
      stack.push(m);
    }
    const atLineStart = out === '' || out.endsWith('\n');
    out += p.literal ? core : p.code ? codeSpan(core, mode) : escapeInline(core, atLineStart, ws);
    const next = pieces.slice(i + 1).find(hasCore);
    const keep = next?.marks ?? [];
    const firstGone = stack.findIndex((m) => !keep.includes(m));
    if (firstGone >= 0) {
      while (stack.length > firstGone) {
        const m = stack.pop()!;
        out += closeMark(m, asHtml.get(m) ?? false);
      }
    }
    out += ws(trail);
  }
  // Line breaks at the very edges would leave a dangling "\" or "<br>".
  return out.replace(/^(?:\s|\\\n|<br>)+/, '').replace(/(?:\s|\\\n|<br>)+$/, '');
}

function escapeInline(text: string, atLineStart: boolean, ws: (s: string) => string): string {
  return ws(escapeText(text, atLineStart));
}

function codeSpan(text: string, mode: InlineMode): string {
  let code = text.replace(/\r?\n/g, ' ');
  // GFM splits table cells on "|" before it sees code spans, so the escape is needed even here.
  if (mode.tableCell) code = code.replace(/\|/g, '\\|');
  const fence = '`'.repeat(longestRun(code, '`') + 1);
  const pad = code.startsWith('`') || code.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${code}${pad}${fence}`;
}
