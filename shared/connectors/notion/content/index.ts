export type {
  Annotations,
  Block,
  BlockNode,
  BlockOf,
  BlockType,
  Icon,
  Media,
  MediaBlock,
  Mention,
  RichText,
} from './blocks';
export { BLOCK_TYPES, parseBlock, plainText, RichTextArraySchema } from './blocks';
export type { PageLink, RenderOptions } from './common';
export { safeImageUrl, safeLinkUrl } from './common';
export type { EmailOptions, EmailPage, EmailResult } from './email-html';
export { BREVO_UNSUBSCRIBE_TAG, renderEmailHtml } from './email-html';
export { renderPlainText } from './email-text';
export { escapeHtml, richTextToHtml } from './inline-html';
export type { ChildrenPage, FetchChildren, LoadOptions, LoadResult } from './load';
export { BlockTreeLimitError, loadBlockTree } from './load';
export type { MarkdownOptions } from './markdown';
export { escapeText as escapeMarkdown, renderMarkdown, richTextToMarkdown } from './markdown';
