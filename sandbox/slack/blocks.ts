/**
 * Block Kit validation with the documented limits (blocks.ts / block-elements.ts of @slack/types):
 * 50 blocks per message, 100 per view; section text 1–3000, fields ≤10 × ≤2000; header plain_text
 * ≤150; actions ≤25 elements; context ≤10 elements; block_id and action_id ≤255; button text ≤75,
 * value ≤2000, url ≤3000; image_url ≤3000, alt_text ≤2000; markdown text ≤12,000.
 * Errors read like Slack's: `no more than 50 items allowed [json-pointer:/blocks]`.
 */
import { isRecord } from './util';

export const MAX_MESSAGE_BLOCKS = 50;
export const MAX_VIEW_BLOCKS = 100;

const BLOCK_TYPES = new Set([
  'actions',
  'context',
  'context_actions',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'table',
  'video',
]);

type Errors = string[];

const at = (pointer: string) => `[json-pointer:${pointer}]`;

function maxLen(errors: Errors, value: unknown, max: number, pointer: string): void {
  if (typeof value === 'string' && value.length > max)
    errors.push(`must be less than ${max + 1} characters ${at(pointer)}`);
}

function textObject(
  errors: Errors,
  value: unknown,
  pointer: string,
  opts: { max: number; plainOnly?: boolean; required?: boolean },
): void {
  if (value === undefined) {
    if (opts.required) errors.push(`must provide an object ${at(pointer)}`);
    return;
  }
  if (!isRecord(value)) {
    errors.push(`must provide an object ${at(pointer)}`);
    return;
  }
  const allowed = opts.plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  if (typeof value.type !== 'string' || !allowed.includes(value.type)) {
    errors.push(`must be one of ${allowed.map((a) => `"${a}"`).join(', ')} ${at(`${pointer}/type`)}`);
  }
  if (typeof value.text !== 'string') {
    errors.push(`must provide a string ${at(`${pointer}/text`)}`);
    return;
  }
  if (value.text.length === 0) errors.push(`must be more than 0 characters ${at(`${pointer}/text`)}`);
  maxLen(errors, value.text, opts.max, `${pointer}/text`);
}

function arrayOf(errors: Errors, value: unknown, pointer: string, min: number, max: number): unknown[] {
  if (!Array.isArray(value)) {
    errors.push(`must provide an array ${at(pointer)}`);
    return [];
  }
  if (value.length < min) errors.push(`must provide at least ${min} items ${at(pointer)}`);
  if (value.length > max) errors.push(`no more than ${max} items allowed ${at(pointer)}`);
  return value;
}

function imageElement(errors: Errors, el: Record<string, unknown>, pointer: string): void {
  if (el.image_url === undefined && el.slack_file === undefined)
    errors.push(`must provide image_url or slack_file ${at(pointer)}`);
  maxLen(errors, el.image_url, 3000, `${pointer}/image_url`);
  if (typeof el.alt_text !== 'string') errors.push(`must provide a string ${at(`${pointer}/alt_text`)}`);
  maxLen(errors, el.alt_text, 2000, `${pointer}/alt_text`);
}

function element(errors: Errors, el: unknown, pointer: string): void {
  if (!isRecord(el) || typeof el.type !== 'string') {
    errors.push(`must provide an object with a type ${at(pointer)}`);
    return;
  }
  maxLen(errors, el.action_id, 255, `${pointer}/action_id`);
  if (el.placeholder !== undefined)
    textObject(errors, el.placeholder, `${pointer}/placeholder`, { max: 150, plainOnly: true });
  switch (el.type) {
    case 'button':
      textObject(errors, el.text, `${pointer}/text`, { max: 75, plainOnly: true, required: true });
      maxLen(errors, el.value, 2000, `${pointer}/value`);
      maxLen(errors, el.url, 3000, `${pointer}/url`);
      if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger')
        errors.push(`must be one of "primary", "danger" ${at(`${pointer}/style`)}`);
      break;
    case 'image':
      imageElement(errors, el, pointer);
      break;
    case 'overflow':
      arrayOf(errors, el.options, `${pointer}/options`, 1, 5);
      break;
    case 'static_select':
    case 'multi_static_select':
      if (el.options !== undefined) arrayOf(errors, el.options, `${pointer}/options`, 1, 100);
      break;
    default:
      break;
  }
}

function block(errors: Errors, b: unknown, pointer: string): void {
  if (!isRecord(b)) {
    errors.push(`must provide an object ${at(pointer)}`);
    return;
  }
  if (typeof b.type !== 'string' || !BLOCK_TYPES.has(b.type)) {
    errors.push(`unsupported type: ${String(b.type)} ${at(`${pointer}/type`)}`);
    return;
  }
  if (b.block_id !== undefined && typeof b.block_id !== 'string')
    errors.push(`must provide a string ${at(`${pointer}/block_id`)}`);
  maxLen(errors, b.block_id, 255, `${pointer}/block_id`);
  switch (b.type) {
    case 'section': {
      if (b.text === undefined && b.fields === undefined) errors.push(`must provide text or fields ${at(pointer)}`);
      textObject(errors, b.text, `${pointer}/text`, { max: 3000 });
      if (b.fields !== undefined) {
        arrayOf(errors, b.fields, `${pointer}/fields`, 1, 10).forEach((f, i) => {
          textObject(errors, f, `${pointer}/fields/${i}`, { max: 2000, required: true });
        });
      }
      if (b.accessory !== undefined) element(errors, b.accessory, `${pointer}/accessory`);
      break;
    }
    case 'header':
      textObject(errors, b.text, `${pointer}/text`, { max: 150, plainOnly: true, required: true });
      break;
    case 'actions':
      arrayOf(errors, b.elements, `${pointer}/elements`, 1, 25).forEach((el, i) => {
        element(errors, el, `${pointer}/elements/${i}`);
      });
      break;
    case 'context':
      arrayOf(errors, b.elements, `${pointer}/elements`, 1, 10).forEach((el, i) => {
        const p = `${pointer}/elements/${i}`;
        if (isRecord(el) && el.type === 'image') imageElement(errors, el, p);
        else textObject(errors, el, p, { max: 3000, required: true });
      });
      break;
    case 'image':
      imageElement(errors, b, pointer);
      textObject(errors, b.title, `${pointer}/title`, { max: 2000, plainOnly: true });
      break;
    case 'input':
      textObject(errors, b.label, `${pointer}/label`, { max: 2000, plainOnly: true, required: true });
      textObject(errors, b.hint, `${pointer}/hint`, { max: 2000, plainOnly: true });
      element(errors, b.element, `${pointer}/element`);
      break;
    case 'markdown':
      if (typeof b.text !== 'string') errors.push(`must provide a string ${at(`${pointer}/text`)}`);
      maxLen(errors, b.text, 12_000, `${pointer}/text`);
      break;
    case 'rich_text':
      arrayOf(errors, b.elements, `${pointer}/elements`, 0, Number.MAX_SAFE_INTEGER);
      break;
    default:
      break;
  }
}

/** Errors of a `blocks` value (empty when valid). `pointer` is `/blocks` or `/view/blocks`. */
export function validateBlocks(blocks: unknown, max: number, pointer = '/blocks'): string[] {
  const errors: string[] = [];
  if (!Array.isArray(blocks)) {
    errors.push(`must provide an array ${at(pointer)}`);
    return errors;
  }
  if (blocks.length > max) errors.push(`no more than ${max} items allowed ${at(pointer)}`);
  blocks.forEach((b, i) => {
    block(errors, b, `${pointer}/${i}`);
  });
  return errors;
}

/** Errors of a modal `view` for views.open (title/submit/close ≤24, private_metadata ≤3000, callback_id ≤255). */
export function validateView(view: unknown): string[] {
  const errors: string[] = [];
  if (!isRecord(view)) return [`must provide an object ${at('/view')}`];
  if (view.type !== 'modal') errors.push(`must be "modal" ${at('/view/type')}`);
  textObject(errors, view.title, '/view/title', { max: 24, plainOnly: true, required: true });
  textObject(errors, view.submit, '/view/submit', { max: 24, plainOnly: true });
  textObject(errors, view.close, '/view/close', { max: 24, plainOnly: true });
  maxLen(errors, view.private_metadata, 3000, '/view/private_metadata');
  maxLen(errors, view.callback_id, 255, '/view/callback_id');
  maxLen(errors, view.external_id, 255, '/view/external_id');
  errors.push(...validateBlocks(view.blocks, MAX_VIEW_BLOCKS, '/view/blocks'));
  return errors;
}
