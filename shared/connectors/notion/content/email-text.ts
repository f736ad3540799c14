/**
 * A loaded Notion page as the plain-text version of its email (the campaign's text part, see
 * email-html.ts): headings underlined, lists indented, links written out.
 */
import { type BlockNode, plainText, type RichText } from './blocks';
import {
  describeMention,
  groupSiblings,
  linkBlockTarget,
  MEDIA_KIND,
  mediaLabel,
  mediaUrl,
  pageLink,
  type RenderOptions,
  safeImageUrl,
  safeLinkUrl,
} from './common';

export function underline(text: string, ch: string): string {
  return `${text}\n${ch.repeat(Math.max(3, [...text].length))}`;
}

function inlineText(rich: readonly RichText[], opts: RenderOptions): string {
  // Neighbours linking to the same place are one link: its URL is spelled out once, after them.
  const runs: { text: string; url: string | undefined }[] = [];
  for (const item of rich) {
    let text: string;
    let url: string | undefined;
    if (item.type === 'mention') {
      const m = describeMention(item, opts);
      text = m.text;
      url = m.url;
    } else if (item.type === 'equation') {
      text = item.equation.expression;
    } else {
      text = item.text.content;
      url = safeLinkUrl(item.text.link?.url ?? item.href);
    }
    const last = runs.at(-1);
    if (last !== undefined && last.url === url) last.text += text;
    else runs.push({ text, url });
  }
  return runs
    .map((r) => {
      if (r.url === undefined || r.url === r.text.trim()) return r.text;
      const trail = /\s*$/.exec(r.text)?.[0] ?? '';
      return `${r.text.trimEnd()} (${r.url})${trail}`;
    })
    .join('')
    .trim();
}

function indentText(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? '' : pad + l))
    .join('\n');
}

/** The page as plain text (the email's text alternative): readable as-is, links spelled out. */
export function renderPlainText(tree: readonly BlockNode[], opts: RenderOptions = {}): string {
  return renderTextNodes(tree, opts);
}

export function renderTextNodes(nodes: readonly BlockNode[], opts: RenderOptions): string {
  return groupSiblings(nodes)
    .map((g) => {
      if (g.kind === 'block') return renderTextBlock(g.node, opts);
      return g.items
        .map((item, i) => {
          const marker =
            item.type === 'numbered_list_item'
              ? `${g.start + i}. `
              : item.type === 'to_do'
                ? `[${item.to_do.checked ? 'x' : ' '}] `
                : '- ';
          const rich =
            item.type === 'numbered_list_item'
              ? item.numbered_list_item.rich_text
              : item.type === 'to_do'
                ? item.to_do.rich_text
                : item.type === 'bulleted_list_item'
                  ? item.bulleted_list_item.rich_text
                  : [];
          const children = renderTextNodes(item.children, opts);
          const head = indentText(inlineText(rich, opts), ' '.repeat(marker.length)).trimStart();
          return `${marker}${head}${children === '' ? '' : `\n${indentText(children, ' '.repeat(marker.length))}`}`;
        })
        .join('\n');
    })
    .filter((s) => s !== '')
    .join('\n\n');
}

function renderTextBlock(node: BlockNode, opts: RenderOptions): string {
  const children = () => renderTextNodes(node.children, opts);
  const join = (...parts: string[]) => parts.filter((p) => p !== '').join('\n\n');
  switch (node.type) {
    case 'paragraph':
      return join(inlineText(node.paragraph.rich_text, opts), children());
    case 'heading_1':
    case 'heading_2':
    case 'heading_3':
    case 'heading_4': {
      const rich =
        node.type === 'heading_1'
          ? node.heading_1
          : node.type === 'heading_2'
            ? node.heading_2
            : node.type === 'heading_3'
              ? node.heading_3
              : node.heading_4;
      const text = inlineText(rich.rich_text, opts);
      return join(
        text === ''
          ? ''
          : node.type === 'heading_1'
            ? underline(text, '=')
            : node.type === 'heading_2'
              ? underline(text, '-')
              : text,
        children(),
      );
    }
    case 'quote':
      return indentText(join(inlineText(node.quote.rich_text, opts), children()), '> ').replace(/^$/gm, '>');
    case 'callout': {
      const icon = node.callout.icon?.type === 'emoji' ? `${node.callout.icon.emoji} ` : '';
      return indentText(join(icon + inlineText(node.callout.rich_text, opts), children()), '| ').replace(/^$/gm, '|');
    }
    case 'toggle':
      return join(inlineText(node.toggle.rich_text, opts), indentText(children(), '  '));
    case 'code':
      return indentText(plainText(node.code.rich_text).replace(/\r\n?/g, '\n').replace(/\n+$/, ''), '    ');
    case 'equation':
      return indentText(node.equation.expression.trim(), '    ');
    case 'divider':
      return '----------';
    case 'table':
      return node.children
        .flatMap((r) =>
          r.type === 'table_row'
            ? [
                r.table_row.cells
                  .map((c) => inlineText(c, opts).replace(/\n/g, ' '))
                  .join(' | ')
                  .trimEnd(),
              ]
            : [],
        )
        .join('\n');
    case 'table_row':
      return node.table_row.cells.map((c) => inlineText(c, opts)).join(' | ');
    case 'child_page':
    case 'child_database': {
      const link = pageLink(
        node.id,
        node.type === 'child_page' ? 'page' : 'database',
        node.type === 'child_page' ? node.child_page.title : node.child_database.title,
        opts,
      );
      return `${link.title}: ${link.url}`;
    }
    case 'link_to_page': {
      const id = node.link_to_page.page_id ?? node.link_to_page.database_id;
      if (id === undefined) return '';
      const link = pageLink(id, node.link_to_page.page_id !== undefined ? 'page' : 'database', '', opts);
      return `${link.title}: ${link.url}`;
    }
    case 'bookmark':
    case 'embed':
    case 'link_preview': {
      const { url, caption } = linkBlockTarget(node);
      if (url === undefined) return '';
      return caption ? `${caption}: ${url}` : url;
    }
    case 'image':
    case 'video':
    case 'pdf':
    case 'file':
    case 'audio': {
      const url = node.type === 'image' ? safeImageUrl(mediaUrl(node, opts)) : safeLinkUrl(mediaUrl(node, opts));
      return url === undefined ? '' : `${MEDIA_KIND[node.type]}: ${mediaLabel(node)} (${url})`;
    }
    case 'table_of_contents':
      // Without links an outline adds nothing to a text that is read top to bottom anyway.
      return '';
    case 'tab':
      return node.children
        .map((tab) =>
          tab.type === 'paragraph'
            ? join(inlineText(tab.paragraph.rich_text, opts) || 'Tab', renderTextNodes(tab.children, opts))
            : renderTextNodes([tab], opts),
        )
        .filter((s) => s !== '')
        .join('\n\n');
    case 'meeting_notes':
    case 'transcription': {
      const m = node.type === 'meeting_notes' ? node.meeting_notes : node.transcription;
      const summary = node.children.find((c) => c.id === m.children?.summary_block_id);
      return join(inlineText(m.title, opts) || 'Meeting notes', summary ? renderTextNodes(summary.children, opts) : '');
    }
    case 'breadcrumb':
    case 'template':
    case 'unsupported':
      return '';
    case 'column_list':
    case 'column':
    case 'synced_block':
    case 'bulleted_list_item':
    case 'numbered_list_item':
    case 'to_do':
      return renderTextNodes([node], opts);
  }
}
