/** Small trees for renderer tests, built through parseBlock so they have the parsed shape. */
import { type BlockNode, parseBlock } from '../../shared/connectors/notion/content';
import { block, text } from './fake-notion';

let seq = 0;

export function node(type: string, payload: unknown, children: BlockNode[] = []): BlockNode {
  seq++;
  const id = `00000000-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`;
  return { ...parseBlock(block(id, type, payload, children.length > 0)), children };
}

export const t = text;

export function para(...rich: unknown[]): BlockNode {
  return node('paragraph', { rich_text: rich.map((r) => (typeof r === 'string' ? t(r) : r)), color: 'default' });
}

export function item(
  type: 'bulleted_list_item' | 'numbered_list_item',
  label: string,
  children: BlockNode[] = [],
): BlockNode {
  return node(type, { rich_text: [t(label)], color: 'default' }, children);
}
