/**
 * What the Markdown, email-HTML and plain-text renderers share: options, how siblings group into
 * lists, URL policy, mention and date wording, and the headings a table of contents lists.
 */
import {
  type BlockNode,
  blockRichText,
  type MediaBlock,
  type Mention,
  mediaPayload,
  plainText,
  type RichText,
} from './blocks';

export interface PageLink {
  title?: string;
  url?: string;
}

export interface RenderOptions {
  /**
   * The URL to show for a file-like block (image, video, pdf, file, audio). Notion-hosted files
   * (`type: "file"`) carry a signed URL that expires after an hour (notion.md §6), so it is never used
   * as such: return the address of a stored copy, or undefined to leave the file out. For external
   * files the block's own URL is used when this returns undefined.
   */
  fileUrl?: (block: MediaBlock) => string | undefined;
  /** Title and/or URL of a page or database by id (child pages, links to pages, mentions). */
  resolvePage?: (id: string, kind: 'page' | 'database') => PageLink | undefined;
  /** Display name of a user by id, for mentions that arrive as partial users (no name). */
  resolveUser?: (id: string) => string | undefined;
}

// ---------- URLs ----------

export function notionUrl(id: string): string {
  return `https://www.notion.so/${id.replace(/-/g, '')}`;
}

/**
 * A link target fit to put in front of a reader: http(s) and mailto only (no `javascript:`,
 * `data:`, `vbscript:` ...). Notion writes links to its own pages as paths ("/1a2b…"), which
 * become absolute notion.so links.
 */
export function safeLinkUrl(href: string | null | undefined): string | undefined {
  if (href === null || href === undefined) return undefined;
  const trimmed = href.trim();
  if (trimmed === '') return undefined;
  const absolute = /^\/[^/]/.test(trimmed) ? `https://www.notion.so${trimmed}` : trimmed;
  let url: URL;
  try {
    url = new URL(absolute);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'mailto:') return undefined;
  // Keep the author's spelling (URL#href would re-encode it); the parse only proved it is safe.
  return absolute;
}

/** A bookmark, embed or link preview: its link (undefined unless safe) and its caption as plain text. */
export function linkBlockTarget(node: Extract<BlockNode, { type: 'bookmark' | 'embed' | 'link_preview' }>): {
  url: string | undefined;
  caption: string;
} {
  if (node.type === 'link_preview') return { url: safeLinkUrl(node.link_preview.url), caption: '' };
  const payload = node.type === 'bookmark' ? node.bookmark : node.embed;
  return { url: safeLinkUrl(payload.url), caption: plainText(payload.caption).trim() };
}
/** Images in email must be absolute https: mail clients block or warn on plain http images. */
export function safeImageUrl(src: string | undefined): string | undefined {
  const url = safeLinkUrl(src);
  return url?.startsWith('https://') ? url : undefined;
}

/** The URL to use for a file-like block, per `RenderOptions.fileUrl` (never a signed Notion URL). */
export function mediaUrl(block: MediaBlock, opts: RenderOptions): string | undefined {
  const substitute = opts.fileUrl?.(block);
  if (substitute !== undefined) return substitute;
  const media = mediaPayload(block);
  return media.type === 'external' ? media.external?.url : undefined;
}

/** What a file-like block is called: its caption, else its file name, else its kind. */
export function mediaLabel(block: MediaBlock): string {
  const media = mediaPayload(block);
  const caption = plainText(media.caption).trim();
  if (caption !== '') return caption;
  if (media.name) return media.name;
  const fromUrl = (media.external?.url ?? media.file?.url ?? '').split('?')[0]?.split('/').pop();
  if (fromUrl) {
    try {
      return decodeURIComponent(fromUrl);
    } catch {
      return fromUrl;
    }
  }
  return MEDIA_KIND[block.type];
}

export const MEDIA_KIND: Record<MediaBlock['type'], string> = {
  image: 'Image',
  video: 'Video',
  pdf: 'PDF',
  file: 'File',
  audio: 'Audio',
};

export function pageLink(id: string, kind: 'page' | 'database', fallbackTitle: string, opts: RenderOptions) {
  const resolved = opts.resolvePage?.(id, kind);
  const title = resolved?.title?.trim() || fallbackTitle.trim() || 'Untitled';
  return { title, url: safeLinkUrl(resolved?.url) ?? notionUrl(id) };
}

// ---------- mentions and dates ----------

/**
 * Notion dates are `YYYY-MM-DD` or ISO datetimes with an offset. They are shown as written (no
 * locale, no time zone conversion), so the same page renders the same everywhere.
 */
export function formatDate(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(iso);
  if (!m) return iso;
  const zone = m[3] === undefined ? '' : m[3] === 'Z' ? ' UTC' : ` UTC${m[3]}`;
  return `${m[1]} ${m[2]}${zone}`;
}

export function formatDateRange(date: { start: string; end: string | null; time_zone: string | null }): string {
  const range = date.end ? `${formatDate(date.start)} → ${formatDate(date.end)}` : formatDate(date.start);
  return date.time_zone ? `${range} (${date.time_zone})` : range;
}

/** A mention as readable text and, where it points somewhere, a URL. */
export function describeMention(
  item: RichText & { type: 'mention' },
  opts: RenderOptions,
): { text: string; url?: string } {
  const m: Mention = item.mention;
  switch (m.type) {
    case 'user': {
      const name = m.user.name ?? opts.resolveUser?.(m.user.id) ?? item.plain_text.replace(/^@/, '');
      return { text: `@${name || 'someone'}` };
    }
    case 'page':
    case 'database': {
      const id = m.type === 'page' ? m.page.id : m.database.id;
      const link = pageLink(id, m.type, item.plain_text, opts);
      return { text: link.title, url: link.url };
    }
    case 'date':
      return { text: formatDateRange(m.date) };
    case 'link_preview': {
      const url = safeLinkUrl(m.link_preview.url);
      return url === undefined
        ? { text: item.plain_text || m.link_preview.url }
        : { text: item.plain_text || url, url };
    }
    case 'link_mention': {
      const url = safeLinkUrl(m.link_mention.href);
      const text = m.link_mention.title || item.plain_text || m.link_mention.href;
      return url === undefined ? { text } : { text, url };
    }
    case 'template_mention': {
      const t = m.template_mention;
      return { text: `@${t.template_mention_date ?? t.template_mention_user ?? 'template'}` };
    }
    case 'custom_emoji':
      return { text: `:${m.custom_emoji.name}:` };
    case 'other': {
      const url = safeLinkUrl(item.href);
      return url === undefined ? { text: item.plain_text } : { text: item.plain_text, url };
    }
  }
}

// ---------- grouping siblings ----------

export type ListKind = 'bulleted' | 'numbered' | 'to_do';

export type Group =
  | { kind: 'list'; list: ListKind; items: BlockNode[]; start: number }
  | { kind: 'block'; node: BlockNode };

function listKind(node: BlockNode): ListKind | undefined {
  if (node.type === 'bulleted_list_item') return 'bulleted';
  if (node.type === 'numbered_list_item') return 'numbered';
  if (node.type === 'to_do') return 'to_do';
  return undefined;
}

const BREAK = Symbol('break');

/**
 * Sibling blocks as a renderer meets them: consecutive list items of one kind form a list; column
 * lists and synced blocks are unwrapped in place (columns stack, a synced block shows its content);
 * an empty paragraph, a column boundary or the edge of a synced block ends a list, as in Notion,
 * where numbering restarts after anything that interrupts it.
 */
export function groupSiblings(nodes: readonly BlockNode[]): Group[] {
  const flat: (BlockNode | typeof BREAK)[] = [];
  const visit = (list: readonly BlockNode[]) => {
    for (const node of list) {
      if (node.type === 'column_list' || node.type === 'column' || node.type === 'synced_block') {
        flat.push(BREAK);
        visit(node.children);
        flat.push(BREAK);
      } else if (
        node.type === 'paragraph' &&
        node.children.length === 0 &&
        plainText(node.paragraph.rich_text).trim() === ''
      ) {
        flat.push(BREAK);
      } else {
        flat.push(node);
      }
    }
  };
  visit(nodes);

  const groups: Group[] = [];
  let open: Extract<Group, { kind: 'list' }> | undefined;
  for (const item of flat) {
    if (item === BREAK) {
      open = undefined;
      continue;
    }
    const kind = listKind(item);
    if (kind === undefined) {
      open = undefined;
      groups.push({ kind: 'block', node: item });
    } else if (open?.list === kind) {
      open.items.push(item);
    } else {
      const start = item.type === 'numbered_list_item' ? (item.numbered_list_item.list_start_index ?? 1) : 1;
      open = { kind: 'list', list: kind, items: [item], start };
      groups.push(open);
    }
  }
  return groups;
}

// ---------- headings ----------

export interface Heading {
  level: 1 | 2 | 3 | 4;
  text: string;
  /** The anchor GitHub gives the rendered heading. */
  slug: string;
}

export function headingLevel(node: BlockNode): Heading['level'] | undefined {
  switch (node.type) {
    case 'heading_1':
      return 1;
    case 'heading_2':
      return 2;
    case 'heading_3':
      return 3;
    case 'heading_4':
      return 4;
    default:
      return undefined;
  }
}

/** Every heading of the page in reading order (also inside toggles, columns, synced blocks). */
export function collectHeadings(nodes: readonly BlockNode[]): Heading[] {
  const headings: Heading[] = [];
  const seen = new Map<string, number>();
  const visit = (list: readonly BlockNode[]) => {
    for (const node of list) {
      const level = headingLevel(node);
      if (level !== undefined) {
        const text = plainText(blockRichText(node) ?? []).trim();
        const base = githubSlug(text);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        headings.push({ level, text, slug: n === 0 ? base : `${base}-${n}` });
      }
      visit(node.children);
    }
  };
  visit(nodes);
  return headings;
}

/** GitHub's heading anchor: lower case, punctuation and symbols (emoji too) removed, spaces to dashes. */
export function githubSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Notion's language names ("plain text", "c++") as fence info strings GitHub highlights. */
export function codeLanguage(language: string): string {
  const lang = language.trim().toLowerCase();
  const known: Record<string, string> = {
    'plain text': '',
    'c++': 'cpp',
    'c#': 'csharp',
    'f#': 'fsharp',
    'objective-c': 'objectivec',
    'visual basic': 'vb',
    'vb.net': 'vbnet',
    'java/c/c++/c#': 'java',
    shell: 'shell',
    bash: 'bash',
  };
  return known[lang] ?? lang.replace(/\s+/g, '-').replace(/[^a-z0-9+#._-]/g, '');
}
