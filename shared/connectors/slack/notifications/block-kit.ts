/**
 * Block Kit as a message's `blocks` may hold it, with Slack's documented limits (reference/slack.md
 * §7, @slack/types blocks.ts and block-elements.ts): at most 50 blocks; header plain_text ≤ 150;
 * section text ≤ 3000, fields ≤ 10 × ≤ 2000; actions ≤ 25 elements; context ≤ 10 elements; button
 * text ≤ 75, url ≤ 3000, value ≤ 2000; block_id and action_id ≤ 255; image url ≤ 3000, alt text ≤ 2000.
 * One zod schema validates a caller's template (each issue with its path: blocks[2].elements[0].text.text)
 * and types it (the API's OpenAPI document and the SDK read the same schema). Keys Slack documents
 * beyond these pass through: Slack itself checks them (a refusal is the delivery's failed reason).
 */
import { z } from 'zod';
import { SLACK_LIMITS } from './templates';

/** The block types Slack accepts in a message. */
export const MESSAGE_BLOCK_TYPES = [
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'markdown',
  'rich_text',
  'section',
  'table',
  'video',
] as const;

const at = (what: string, max: number) => `${what} is at most ${max} characters (Slack's limit)`;

const textValue = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(max, at(what, max));

/** What Slack expects, written as a template would hold it (a refusal shows it). */
const PLAIN_TEXT = '{type: "plain_text", text: "…"}';
const MRKDWN = '{type: "mrkdwn", text: "…"}';
const MRKDWN_TEXT = `${MRKDWN} (or plain_text)`;

/**
 * A required part missing or not an object says what Slack expects there (zod's own wording,
 * "expected object, received undefined", does not); `needs` is its subject ("a button needs text").
 */
const expecting = (needs: string, shape: string) => ({ error: `${needs}: ${shape}` });

/** A plain_text object of `what` (a header, a button): its text is `what`'s text. */
const plainText = (what: string, max: number, needs = `${what} needs text`) =>
  z.looseObject(
    {
      type: z.literal('plain_text', { error: `${what} must be a plain_text object (Slack allows no mrkdwn here)` }),
      text: textValue(`${what}'s text`, max),
      emoji: z.boolean().optional(),
    },
    expecting(needs, PLAIN_TEXT),
  );

/** A text object that may be mrkdwn; `what` names the text itself (a section's text, a field). */
const anyText = (what: string, max: number) =>
  z.looseObject(
    {
      type: z.enum(['plain_text', 'mrkdwn'], { error: `${what} must be of type plain_text or mrkdwn` }),
      text: textValue(what, max),
      emoji: z.boolean().optional(),
      verbatim: z.boolean().optional(),
    },
    expecting(`${what} is a text object`, MRKDWN_TEXT),
  );

const blockId = z.string().max(255, at('a block_id', 255)).optional();
const actionId = z.string().max(255, at('an action_id', 255)).optional();
const url = (what: string) =>
  z.url({ protocol: /^https?$/, error: `${what} must be an http(s) URL` }).max(3000, at(what, 3000));

export const buttonElementSchema = z.looseObject({
  type: z.literal('button'),
  text: plainText('a button', SLACK_LIMITS.buttonText),
  action_id: actionId,
  url: url("a button's url").optional(),
  value: z.string().max(2000, at("a button's value", 2000)).optional(),
  style: z.enum(['primary', 'danger'], { error: "a button's style is primary or danger" }).optional(),
});

const imageElementSchema = z.looseObject({
  type: z.literal('image'),
  image_url: url('an image_url').optional(),
  alt_text: z.string({ error: 'an image needs alt_text' }).max(2000, at('alt_text', 2000)),
});

/** Interactive elements other than buttons: Slack checks their options (selects, pickers, overflow). */
const OTHER_ELEMENTS = [
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'overflow',
  'radio_buttons',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'timepicker',
  'workflow_button',
  'rich_text_input',
  'plain_text_input',
  'number_input',
  'url_text_input',
] as const;
const otherElementSchema = z.looseObject({ type: z.enum(OTHER_ELEMENTS), action_id: actionId });

const elementTypes = ['button', 'image', ...OTHER_ELEMENTS].join(', ');
const BUTTON = `{type: "button", text: ${PLAIN_TEXT}}`;
const elementSchema = z.discriminatedUnion('type', [buttonElementSchema, imageElementSchema, otherElementSchema], {
  error: (iss) =>
    iss.code === 'invalid_union'
      ? `an element's type is one of ${elementTypes}`
      : iss.code === 'invalid_type'
        ? `an element is an object, e.g. ${BUTTON}`
        : undefined,
});

const headerBlock = z.looseObject({
  type: z.literal('header'),
  block_id: blockId,
  text: plainText('a header', SLACK_LIMITS.headerText),
});

const sectionBlock = z
  .looseObject({
    type: z.literal('section'),
    block_id: blockId,
    text: anyText("a section's text", SLACK_LIMITS.sectionText).optional(),
    fields: z
      .array(anyText('a field', SLACK_LIMITS.fieldText))
      .min(1, 'fields, when given, hold at least one text')
      .max(SLACK_LIMITS.sectionFields, `a section holds at most ${SLACK_LIMITS.sectionFields} fields`)
      .optional(),
    accessory: elementSchema.optional(),
  })
  .refine((b) => b.text !== undefined || b.fields !== undefined, 'a section needs text or fields');

const actionsBlock = z.looseObject({
  type: z.literal('actions'),
  block_id: blockId,
  elements: z
    .array(elementSchema, expecting('an actions block needs elements', `[${BUTTON}, …]`))
    .min(1, 'an actions block holds at least one element')
    .max(SLACK_LIMITS.actionsElements, `an actions block holds at most ${SLACK_LIMITS.actionsElements} elements`),
});

const contextBlock = z.looseObject({
  type: z.literal('context'),
  block_id: blockId,
  elements: z
    .array(
      z.discriminatedUnion(
        'type',
        [
          imageElementSchema,
          anyText('a context element', SLACK_LIMITS.sectionText).extend({ type: z.literal('plain_text') }),
          anyText('a context element', SLACK_LIMITS.sectionText).extend({ type: z.literal('mrkdwn') }),
        ],
        {
          error: (iss) =>
            iss.code === 'invalid_union'
              ? "a context element's type is image, plain_text or mrkdwn"
              : iss.code === 'invalid_type'
                ? `a context element is an object, e.g. ${MRKDWN}`
                : undefined,
        },
      ),
      expecting('a context block needs elements', `[${MRKDWN}, …]`),
    )
    .min(1, 'a context block holds at least one element')
    .max(SLACK_LIMITS.contextElements, `a context block holds at most ${SLACK_LIMITS.contextElements} elements`),
});

const dividerBlock = z.looseObject({ type: z.literal('divider'), block_id: blockId });

const imageBlock = z.looseObject({
  type: z.literal('image'),
  block_id: blockId,
  image_url: url('an image_url').optional(),
  alt_text: z.string({ error: 'an image needs alt_text' }).max(2000, at('alt_text', 2000)),
  title: plainText("an image's title", 2000, "an image's title is a text object").optional(),
});

const markdownBlock = z.looseObject({
  type: z.literal('markdown'),
  block_id: blockId,
  text: textValue("a markdown block's text", 12_000),
});

/** Blocks whose inner structure Slack checks (rich text, files, tables, videos). */
const otherBlock = z.looseObject({ type: z.enum(['rich_text', 'file', 'table', 'video']), block_id: blockId });

export const blockSchema = z.discriminatedUnion(
  'type',
  [headerBlock, sectionBlock, actionsBlock, contextBlock, dividerBlock, imageBlock, markdownBlock, otherBlock],
  {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `a block's type is one of ${MESSAGE_BLOCK_TYPES.join(', ')}`
        : iss.code === 'invalid_type'
          ? `a block is an object, e.g. {type: "section", text: ${MRKDWN}}`
          : undefined,
  },
);
export type Block = z.infer<typeof blockSchema>;

export const blocksSchema = z
  .array(blockSchema, { error: 'blocks must be an array of Block Kit blocks' })
  .min(1, 'give at least one block')
  .max(SLACK_LIMITS.blocksPerMessage, `a message holds at most ${SLACK_LIMITS.blocksPerMessage} blocks`);
