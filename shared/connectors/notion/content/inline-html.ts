/**
 * Rich text as inline HTML: used for every text of the email and for the `<summary>` of toggles in
 * Markdown (GitHub does not parse Markdown inside `<summary>`). All page text is escaped; only links
 * that pass `safeLinkUrl` become `<a>`.
 */
import type { RichText } from './blocks';
import { describeMention, type RenderOptions, safeLinkUrl } from './common';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '{': '&#123;',
  '}': '&#125;',
};

/**
 * Escapes text for element content and for double- or single-quoted attribute values alike. Braces
 * are escaped too: Brevo runs campaign HTML through its template language, so a page that says
 * "{{ contact.EMAIL }}" must show those characters, not have Brevo evaluate them.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'{}]/g, (c) => HTML_ESCAPES[c] ?? c);
}

export interface InlineHtmlStyles {
  /** Inline style for `<a>` (email clients drop stylesheets). */
  link?: string;
  /** Inline style for inline `<code>`. */
  code?: string;
}

function attr(name: string, value: string | undefined): string {
  return value === undefined || value === '' ? '' : ` ${name}="${escapeHtml(value)}"`;
}

export function richTextToHtml(rich: readonly RichText[], opts: RenderOptions, styles: InlineHtmlStyles = {}): string {
  // Neighbours linking to the same place share one <a>, as they read as one link.
  const runs: { html: string; href: string | undefined }[] = [];
  for (const item of rich) {
    let text: string;
    let href: string | undefined;
    let isCode = item.annotations.code;
    if (item.type === 'mention') {
      const m = describeMention(item, opts);
      text = m.text;
      href = m.url;
    } else if (item.type === 'equation') {
      // No math rendering in mail clients or in a <summary>: show the TeX source as code.
      text = item.equation.expression;
      isCode = true;
    } else {
      text = item.text.content;
      href = safeLinkUrl(item.text.link?.url ?? item.href);
    }
    if (text === '') continue;
    let html = escapeHtml(text).replace(/\r?\n/g, '<br>');
    if (isCode) html = `<code${attr('style', styles.code)}>${html}</code>`;
    const a = item.annotations;
    if (a.underline) html = `<u>${html}</u>`;
    if (a.strikethrough) html = `<s>${html}</s>`;
    if (a.italic) html = `<em>${html}</em>`;
    if (a.bold) html = `<strong>${html}</strong>`;
    const last = runs.at(-1);
    if (last !== undefined && last.href === href) last.html += html;
    else runs.push({ html, href });
  }
  return runs
    .map((r) =>
      r.href === undefined ? r.html : `<a href="${escapeHtml(r.href)}"${attr('style', styles.link)}>${r.html}</a>`,
    )
    .join('');
}
