/**
 * A loaded Notion page as an email: a complete HTML document fit for a Brevo campaign's
 * `htmlContent` (brevo.md §5), plus a plain-text version of the same content.
 *
 * Mail clients are not browsers: many drop `<style>` and `<head>` CSS, Outlook lays out with Word,
 * nothing runs scripts or plays media. Hence inline styles only, a 600px table container,
 * everything stacked in one column, toggles shown open, and media that cannot play turned into
 * links. What had to change or go is reported in `warnings`, so the sender can look before sending.
 *
 * Every text from the page is HTML-escaped (braces too, see `escapeHtml`), and only http(s) and
 * mailto links survive; images must be absolute https.
 *
 * Unsubscribe: brevo.md says nothing about Brevo's merge tags. The footer uses `{{ unsubscribe }}`,
 * the tag Brevo's editor inserts for its unsubscribe link (from Brevo's help pages, not verified
 * against the API here); pass `unsubscribe: false` when the campaign supplies its own footer.
 */
import { type BlockNode, blockRichText, type MediaBlock, mediaPayload, plainText, type RichText } from './blocks';
import {
  codeLanguage,
  collectHeadings,
  formatDateRange,
  type Group,
  groupSiblings,
  type Heading,
  headingLevel,
  linkBlockTarget,
  MEDIA_KIND,
  mediaLabel,
  mediaUrl,
  pageLink,
  type RenderOptions,
  safeImageUrl,
  safeLinkUrl,
} from './common';
import { renderTextNodes, underline } from './email-text';
import { escapeHtml, richTextToHtml } from './inline-html';

export interface EmailPage {
  title: string;
  /** Where the page can be read online (shown in the footer); unsafe URLs are ignored. */
  url?: string;
}

export interface EmailOptions extends RenderOptions {
  /** Add the unsubscribe footer with Brevo's `{{ unsubscribe }}` tag (default true). */
  unsubscribe?: boolean;
  /** A line above the unsubscribe link, e.g. the sender's postal address. Escaped. */
  footerText?: string;
  /** Hidden text mail clients show next to the subject. Escaped. */
  preheader?: string;
  /** The document language (default "en"). */
  lang?: string;
}

export interface EmailResult {
  html: string;
  text: string;
  warnings: string[];
}

export const BREVO_UNSUBSCRIBE_TAG = '{{ unsubscribe }}';

const CONTENT_WIDTH = 536; // 600px container minus 32px padding on each side
// Unquoted family names are valid CSS and need no escaping inside a style="" attribute.
const FONT = 'font-family:-apple-system,BlinkMacSystemFont,Segoe UI,Helvetica,Arial,sans-serif;';
const MONO = 'font-family:SFMono-Regular,Consolas,Liberation Mono,Menlo,monospace;';
const S = {
  p: 'margin:0 0 16px;',
  link: 'color:#2563eb;text-decoration:underline;',
  code: `${MONO}font-size:14px;background-color:#f3f4f6;padding:1px 4px;border-radius:4px;`,
  pre: `margin:0 0 16px;padding:12px 16px;background-color:#f6f8fa;border-radius:6px;${MONO}font-size:14px;line-height:1.45;white-space:pre-wrap;word-wrap:break-word;color:#1f2937;`,
  list: 'margin:0 0 16px;padding:0 0 0 24px;',
  nestedList: 'margin:4px 0 0;padding:0 0 0 24px;',
  li: 'margin:0 0 4px;',
  quote: 'margin:0 0 16px;padding:0 0 0 16px;border-left:3px solid #d1d5db;color:#374151;',
  hr: 'border:none;border-top:1px solid #e5e7eb;margin:24px 0;',
  caption: 'margin:8px 0 0;font-size:13px;line-height:1.4;color:#6b7280;text-align:center;',
  th: 'border:1px solid #e5e7eb;padding:6px 10px;text-align:left;vertical-align:top;background-color:#f9fafb;font-weight:700;',
  td: 'border:1px solid #e5e7eb;padding:6px 10px;text-align:left;vertical-align:top;',
  muted: 'color:#6b7280;',
};
const HEADING_STYLE: Record<1 | 2 | 3 | 4, string> = {
  1: 'margin:28px 0 12px;font-size:24px;line-height:1.3;font-weight:700;color:#111827;',
  2: 'margin:24px 0 10px;font-size:20px;line-height:1.3;font-weight:700;color:#111827;',
  3: 'margin:20px 0 8px;font-size:18px;line-height:1.35;font-weight:700;color:#111827;',
  4: 'margin:16px 0 8px;font-size:16px;line-height:1.4;font-weight:700;color:#111827;',
};
/** Notion's callout backgrounds, lightened so body text stays readable. */
const CALLOUT_TINT: Record<string, string> = {
  default: '#f1f1ef',
  gray: '#f1f1ef',
  brown: '#f4eeee',
  orange: '#fbecdd',
  yellow: '#fbf3db',
  green: '#edf3ec',
  blue: '#e7f3f8',
  purple: '#f6f3f9',
  pink: '#faf1f5',
  red: '#fdebec',
};

interface Ctx {
  opts: EmailOptions;
  warnings: string[];
  headings: Heading[];
}

export function renderEmailHtml(page: EmailPage, tree: readonly BlockNode[], opts: EmailOptions = {}): EmailResult {
  const ctx: Ctx = { opts, warnings: [], headings: collectHeadings(tree) };
  const body = renderNodes(tree, ctx, false);
  const title = escapeHtml(page.title.trim() || 'Untitled');
  const pageUrl = safeLinkUrl(page.url);
  const unsubscribe = opts.unsubscribe ?? true;

  const footer: string[] = [];
  if (pageUrl)
    footer.push(
      `<a href="${escapeHtml(pageUrl)}" style="color:#6b7280;text-decoration:underline;">View this page online</a>`,
    );
  if (opts.footerText) footer.push(escapeHtml(opts.footerText));
  if (unsubscribe) {
    footer.push(`<a href="${BREVO_UNSUBSCRIBE_TAG}" style="color:#6b7280;text-decoration:underline;">Unsubscribe</a>`);
  }
  const preheader = opts.preheader
    ? `<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${escapeHtml(opts.preheader)}</div>\n`
    : '';

  const html = `<!DOCTYPE html>
<html lang="${escapeHtml(opts.lang ?? 'en')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>${title}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f5;">
${preheader}<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f4f5;">
<tr>
<td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background-color:#ffffff;border-radius:8px;">
<tr>
<td style="padding:32px;${FONT}font-size:16px;line-height:1.6;color:#1f2937;">
<h1 style="margin:0 0 24px;font-size:28px;line-height:1.25;font-weight:700;color:#111827;">${title}</h1>
${body}
</td>
</tr>
${
  footer.length > 0
    ? `<tr>
<td style="padding:0 32px 32px;${FONT}font-size:12px;line-height:1.5;color:#6b7280;text-align:center;">
${footer.join('<br>\n')}
</td>
</tr>
`
    : ''
}</table>
</td>
</tr>
</table>
</body>
</html>
`;

  const textParts = [underline(page.title.trim() || 'Untitled', '='), renderTextNodes(tree, opts)];
  const textFooter: string[] = [];
  if (pageUrl) textFooter.push(`View this page online: ${pageUrl}`);
  if (opts.footerText) textFooter.push(opts.footerText);
  if (unsubscribe) textFooter.push(`Unsubscribe: ${BREVO_UNSUBSCRIBE_TAG}`);
  if (textFooter.length > 0) textParts.push(`--\n${textFooter.join('\n')}`);
  const text = `${textParts.filter((p) => p !== '').join('\n\n')}\n`;

  return { html, text, warnings: ctx.warnings };
}

// ---------- HTML blocks ----------

function inline(rich: readonly RichText[], ctx: Ctx): string {
  return richTextToHtml(rich, ctx.opts, { link: S.link, code: S.code });
}

function renderNodes(nodes: readonly BlockNode[], ctx: Ctx, nested: boolean): string {
  return groupSiblings(nodes)
    .map((g) => (g.kind === 'list' ? renderList(g, ctx, nested) : renderBlock(g.node, ctx)))
    .filter((s) => s !== '')
    .join('\n');
}

function renderList(group: Extract<Group, { kind: 'list' }>, ctx: Ctx, nested: boolean): string {
  const listStyle = nested ? S.nestedList : S.list;
  const items = group.items.map((item) => {
    const children = renderNodes(item.children, ctx, true);
    const tail = children === '' ? '' : `\n${children}`;
    if (item.type === 'to_do') {
      const box = item.to_do.checked ? '&#9745;' : '&#9744;';
      const text = inline(item.to_do.rich_text, ctx);
      const shown = item.to_do.checked ? `<s style="${S.muted}">${text}</s>` : text;
      return `<li style="${S.li}">${box}&nbsp;${shown}${tail}</li>`;
    }
    const rich =
      item.type === 'numbered_list_item'
        ? item.numbered_list_item.rich_text
        : item.type === 'bulleted_list_item'
          ? item.bulleted_list_item.rich_text
          : [];
    return `<li style="${S.li}">${inline(rich, ctx)}${tail}</li>`;
  });
  if (group.list === 'to_do')
    return `<ul style="${listStyle}list-style:none;padding-left:0;">\n${items.join('\n')}\n</ul>`;
  if (group.list === 'bulleted') return `<ul style="${listStyle}">\n${items.join('\n')}\n</ul>`;
  const first = group.items[0];
  const format = first?.type === 'numbered_list_item' ? first.numbered_list_item.list_format : undefined;
  const type =
    format === 'letters' ? 'list-style-type:lower-alpha;' : format === 'roman' ? 'list-style-type:lower-roman;' : '';
  const start = group.start === 1 ? '' : ` start="${group.start}"`;
  return `<ol${start} style="${listStyle}${type}">\n${items.join('\n')}\n</ol>`;
}

function para(html: string, style = S.p): string {
  return html === '' ? '' : `<p style="${style}">${html}</p>`;
}

function linkPara(text: string, url: string, prefix = ''): string {
  return para(`${prefix}<a href="${escapeHtml(url)}" style="${S.link}">${escapeHtml(text)}</a>`);
}

function renderBlock(node: BlockNode, ctx: Ctx): string {
  const { opts } = ctx;
  const children = () => renderNodes(node.children, ctx, false);
  const join = (...parts: string[]) => parts.filter((p) => p !== '').join('\n');
  switch (node.type) {
    case 'paragraph':
      return join(para(inline(node.paragraph.rich_text, ctx)), children());
    case 'heading_1':
    case 'heading_2':
    case 'heading_3':
    case 'heading_4': {
      const level = headingLevel(node) ?? 1;
      const text = inline(blockRichText(node) ?? [], ctx);
      // The page title is the <h1>, so Notion's levels move down one.
      const tag = `h${level + 1}`;
      return join(text === '' ? '' : `<${tag} style="${HEADING_STYLE[level]}">${text}</${tag}>`, children());
    }
    case 'quote':
      return `<blockquote style="${S.quote}">\n${join(para(inline(node.quote.rich_text, ctx), 'margin:0 0 8px;'), children())}\n</blockquote>`;
    case 'callout': {
      const icon = node.callout.icon?.type === 'emoji' ? escapeHtml(node.callout.icon.emoji) : '';
      const tint = CALLOUT_TINT[node.callout.color.replace(/_background$/, '')] ?? CALLOUT_TINT.default;
      const iconCell =
        icon === ''
          ? ''
          : `<td valign="top" width="28" style="padding:14px 0 14px 16px;width:28px;font-size:20px;line-height:1.4;">${icon}</td>\n`;
      const content = join(para(inline(node.callout.rich_text, ctx), 'margin:0;'), children());
      return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px;background-color:${tint};border-radius:6px;">
<tr>
${iconCell}<td valign="top" style="padding:14px 16px;">
${content}
</td>
</tr>
</table>`;
    }
    case 'toggle': {
      const summary = para(`&#9662;&nbsp;<strong>${inline(node.toggle.rich_text, ctx)}</strong>`, 'margin:0 0 8px;');
      const body = children();
      return join(summary, body === '' ? '' : `<div style="margin:0 0 16px;padding:0 0 0 20px;">\n${body}\n</div>`);
    }
    case 'code': {
      const code = plainText(node.code.rich_text).replace(/\r\n?/g, '\n').replace(/\n+$/, '');
      const lang = codeLanguage(node.code.language);
      const caption = inline(node.code.caption, ctx);
      return join(
        `<pre style="${S.pre}"${lang ? ` data-language="${escapeHtml(lang)}"` : ''}>${escapeHtml(code)}</pre>`,
        caption === '' ? '' : para(caption, `${S.caption}margin:-8px 0 16px;`),
      );
    }
    case 'equation':
      ctx.warnings.push(`equation ${node.id} is shown as its TeX source: mail clients cannot render math`);
      return `<pre style="${S.pre}text-align:center;">${escapeHtml(node.equation.expression.trim())}</pre>`;
    case 'divider':
      return `<hr style="${S.hr}">`;
    case 'table':
      return renderTable(node, ctx);
    case 'table_row':
      return para(node.table_row.cells.map((c) => inline(c, ctx)).join(' &middot; '));
    case 'child_page':
    case 'child_database': {
      const kind = node.type === 'child_page' ? 'page' : 'database';
      const link = pageLink(
        node.id,
        kind,
        node.type === 'child_page' ? node.child_page.title : node.child_database.title,
        opts,
      );
      return linkPara(link.title, link.url);
    }
    case 'link_to_page': {
      const t = node.link_to_page;
      const id = t.page_id ?? t.database_id;
      if (id === undefined) return '';
      const link = pageLink(id, t.page_id !== undefined ? 'page' : 'database', '', opts);
      return linkPara(link.title, link.url);
    }
    case 'bookmark':
    case 'embed':
    case 'link_preview': {
      const { url, caption } = linkBlockTarget(node);
      if (url === undefined) {
        ctx.warnings.push(`${node.type} ${node.id} was left out: its URL is not an http(s) link`);
        return '';
      }
      if (node.type === 'embed') ctx.warnings.push(`embed ${node.id} is shown as a link: email cannot embed content`);
      return linkPara(caption || url, url);
    }
    case 'image':
    case 'video':
    case 'pdf':
    case 'file':
    case 'audio':
      return renderMedia(node, ctx);
    case 'table_of_contents': {
      // In-page anchors are unreliable across mail clients: the outline is shown without links.
      const { headings } = ctx;
      if (headings.length === 0) return '';
      const top = Math.min(...headings.map((h) => h.level));
      const items = headings.map(
        (h) => `<li style="${S.li}margin-left:${(h.level - top) * 16}px;">${escapeHtml(h.text)}</li>`,
      );
      return `<ul style="${S.list}list-style:none;padding-left:0;">\n${items.join('\n')}\n</ul>`;
    }
    case 'tab':
      return node.children
        .map((tab) => {
          if (tab.type !== 'paragraph') return renderNodes([tab], ctx, false);
          const icon = tab.paragraph.icon?.type === 'emoji' ? `${escapeHtml(tab.paragraph.icon.emoji)} ` : '';
          const label = inline(tab.paragraph.rich_text, ctx) || 'Tab';
          return join(
            para(`<strong>${icon}${label}</strong>`, 'margin:0 0 8px;'),
            renderNodes(tab.children, ctx, false),
          );
        })
        .filter((s) => s !== '')
        .join('\n');
    case 'meeting_notes':
    case 'transcription': {
      const m = node.type === 'meeting_notes' ? node.meeting_notes : node.transcription;
      const title = inline(m.title, ctx) || 'Meeting notes';
      const when = m.calendar_event
        ? ` <span style="${S.muted}">(${escapeHtml(formatDateRange({ start: m.calendar_event.start_time, end: m.calendar_event.end_time, time_zone: null }))})</span>`
        : '';
      const summary = node.children.find((c) => c.id === m.children?.summary_block_id);
      return join(para(`<strong>${title}</strong>${when}`), summary ? renderNodes(summary.children, ctx, false) : '');
    }
    case 'breadcrumb':
    case 'template':
      return '';
    case 'unsupported':
      ctx.warnings.push(`${node.unsupported.block_type} block ${node.id} was left out: it cannot be shown in email`);
      return '';
    case 'column_list':
    case 'column':
    case 'synced_block':
    case 'bulleted_list_item':
    case 'numbered_list_item':
    case 'to_do':
      // Unwrapped or grouped into lists by groupSiblings; reached only if called on one directly.
      return renderNodes([node], ctx, false);
  }
}

function renderTable(node: BlockNode & { type: 'table' }, ctx: Ctx): string {
  const rows = node.children.flatMap((r) => (r.type === 'table_row' ? [r.table_row.cells] : []));
  const width = Math.max(node.table.table_width, ...rows.map((r) => r.length), 1);
  const html = rows.map((cells, r) => {
    const header = r === 0 && node.table.has_column_header;
    const tds = Array.from({ length: width }, (_, c) => {
      const content = inline(cells[c] ?? [], ctx);
      if (header) return `<th scope="col" style="${S.th}">${content}</th>`;
      if (c === 0 && node.table.has_row_header) return `<th scope="row" style="${S.th}">${content}</th>`;
      return `<td style="${S.td}">${content}</td>`;
    });
    return `<tr>\n${tds.join('\n')}\n</tr>`;
  });
  return `<table cellpadding="0" cellspacing="0" border="0" style="width:100%;border-collapse:collapse;margin:0 0 16px;font-size:14px;line-height:1.5;">\n${html.join('\n')}\n</table>`;
}

function renderMedia(node: MediaBlock, ctx: Ctx): string {
  const label = mediaLabel(node);
  const payload = mediaPayload(node);
  const url = mediaUrl(node, ctx.opts);
  if (node.type === 'image') {
    const src = safeImageUrl(url);
    if (src === undefined) {
      const why =
        url === undefined
          ? 'it has no stable URL (a file uploaded to Notion expires within the hour: embed it by an https link to include it)'
          : 'its URL is not absolute https';
      ctx.warnings.push(`image "${label}" (${node.id}) was left out: ${why}`);
      return '';
    }
    const alt = plainText(payload.caption).trim();
    const caption = inline(payload.caption, ctx);
    return `<div style="margin:0 0 16px;text-align:center;">
<img src="${escapeHtml(src)}" alt="${escapeHtml(alt)}" width="${CONTENT_WIDTH}" style="display:block;width:100%;max-width:${CONTENT_WIDTH}px;height:auto;border:0;margin:0 auto;">${caption === '' ? '' : `\n${para(caption, S.caption)}`}
</div>`;
  }
  const href = safeLinkUrl(url);
  if (href === undefined) {
    ctx.warnings.push(`${node.type} "${label}" (${node.id}) was left out: it has no stable http(s) URL`);
    return '';
  }
  ctx.warnings.push(`${node.type} "${label}" (${node.id}) is shown as a link: email cannot include it`);
  return linkPara(label, href, `${MEDIA_KIND[node.type]}: `);
}
