/**
 * The Block Kit schema a notify call's template is checked with: Slack's documented limits hold at
 * their boundary (the limit passes, one more is refused with the path and what Slack allows), and
 * blocks Slack documents for messages pass as they are.
 */

import { blocksSchema } from '../../shared/connectors/slack/notifications/block-kit';
import { formatPath } from '../../shared/core/config/path';

function refusal(blocks: unknown): string | undefined {
  const r = blocksSchema.safeParse(blocks);
  if (r.success) return undefined;
  const issue = r.error.issues[0]!;
  return `${formatPath(['blocks', ...issue.path])}: ${issue.message}`;
}

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const button = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'button', text: plain(text), ...extra });

test('blocks of the kinds Slack documents for messages pass unchanged', () => {
  const blocks = [
    { type: 'header', text: { ...plain('Deploy'), emoji: true } },
    { type: 'section', block_id: 's1', text: mrkdwn('*Done*'), accessory: button('Open', { url: 'https://x.io' }) },
    { type: 'section', fields: [mrkdwn('a'), plain('b')] },
    { type: 'divider' },
    {
      type: 'context',
      elements: [mrkdwn('by ci'), { type: 'image', image_url: 'https://x.io/i.png', alt_text: 'ci' }],
    },
    { type: 'image', image_url: 'https://x.io/i.png', alt_text: 'chart', title: plain('Chart') },
    {
      type: 'actions',
      elements: [
        button('Approve', { style: 'primary', value: 'v', action_id: 'a1' }),
        { type: 'static_select', options: [] },
      ],
    },
    { type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'hi' }] }] },
    { type: 'markdown', text: '**bold**' },
  ];
  expect(blocksSchema.parse(blocks)).toEqual(blocks);
});

test.each([
  [
    "a header's text",
    (n: number) => [{ type: 'header', text: plain('h'.repeat(n)) }],
    150,
    "blocks[0].text.text: a header's text is at most 150 characters (Slack's limit)",
  ],
  [
    "a section's text",
    (n: number) => [{ type: 'section', text: mrkdwn('s'.repeat(n)) }],
    3000,
    "blocks[0].text.text: a section's text is at most 3000 characters (Slack's limit)",
  ],
  [
    'a field',
    (n: number) => [{ type: 'section', fields: [mrkdwn('f'.repeat(n))] }],
    2000,
    "blocks[0].fields[0].text: a field is at most 2000 characters (Slack's limit)",
  ],
  [
    "a button's text",
    (n: number) => [{ type: 'actions', elements: [button('b'.repeat(n))] }],
    75,
    "blocks[0].elements[0].text.text: a button's text is at most 75 characters (Slack's limit)",
  ],
  [
    "a button's url",
    (n: number) => [{ type: 'actions', elements: [button('b', { url: `https://x.io/${'u'.repeat(n - 13)}` })] }],
    3000,
    "blocks[0].elements[0].url: a button's url is at most 3000 characters (Slack's limit)",
  ],
])('%s: the limit passes, one more character is refused with its path', (_what, blocks, limit, reason) => {
  expect(refusal(blocks(limit))).toBeUndefined();
  expect(refusal(blocks(limit + 1))).toBe(reason);
});

test.each([
  [
    'blocks',
    (n: number) => Array.from({ length: n }, () => ({ type: 'divider' })),
    50,
    'blocks: a message holds at most 50 blocks',
  ],
  [
    'fields',
    (n: number) => [{ type: 'section', fields: Array.from({ length: n }, () => mrkdwn('f')) }],
    10,
    'blocks[0].fields: a section holds at most 10 fields',
  ],
  [
    'actions elements',
    (n: number) => [{ type: 'actions', elements: Array.from({ length: n }, () => button('b')) }],
    25,
    'blocks[0].elements: an actions block holds at most 25 elements',
  ],
  [
    'context elements',
    (n: number) => [{ type: 'context', elements: Array.from({ length: n }, () => mrkdwn('c')) }],
    10,
    'blocks[0].elements: a context block holds at most 10 elements',
  ],
])('%s: the limit passes, one more is refused', (_what, blocks, limit, reason) => {
  expect(refusal(blocks(limit))).toBeUndefined();
  expect(refusal(blocks(limit + 1))).toBe(reason);
});

test('what Slack would refuse is named: the type, a mrkdwn header, a section without text, a bad url or style', () => {
  expect(refusal([{ type: 'banner' }])).toMatch(
    /^blocks\[0\]\.type: a block's type is one of actions, context, divider/,
  );
  expect(refusal([{ type: 'header', text: mrkdwn('x') }])).toBe(
    'blocks[0].text.type: a header must be a plain_text object (Slack allows no mrkdwn here)',
  );
  expect(refusal([{ type: 'section' }])).toBe('blocks[0]: a section needs text or fields');
  expect(refusal([{ type: 'section', text: mrkdwn('') }])).toBe(
    "blocks[0].text.text: a section's text must not be empty",
  );
  expect(refusal([{ type: 'actions', elements: [button('b', { url: 'javascript:alert(1)' })] }])).toBe(
    "blocks[0].elements[0].url: a button's url must be an http(s) URL",
  );
  expect(refusal([{ type: 'actions', elements: [button('b', { style: 'loud' })] }])).toBe(
    "blocks[0].elements[0].style: a button's style is primary or danger",
  );
  expect(refusal([{ type: 'actions', elements: [{ type: 'marquee' }] }])).toMatch(
    /^blocks\[0\]\.elements\[0\]\.type: an element's type is one of button, image, /,
  );
  expect(refusal([])).toBe('blocks: give at least one block');
  expect(refusal('nope')).toBe('blocks: blocks must be an array of Block Kit blocks');
});

test.each([
  [
    'a button without text',
    [{ type: 'actions', elements: [{ type: 'button' }] }],
    'blocks[0].elements[0].text: a button needs text: {type: "plain_text", text: "…"}',
  ],
  [
    "a button's text as a string",
    [{ type: 'actions', elements: [{ type: 'button', text: 'Open' }] }],
    'blocks[0].elements[0].text: a button needs text: {type: "plain_text", text: "…"}',
  ],
  [
    'a header without text',
    [{ type: 'header' }],
    'blocks[0].text: a header needs text: {type: "plain_text", text: "…"}',
  ],
  [
    "a section's text as a string",
    [{ type: 'section', text: 'Hi' }],
    `blocks[0].text: a section's text is a text object: {type: "mrkdwn", text: "…"} (or plain_text)`,
  ],
  [
    'a field as a string',
    [{ type: 'section', fields: ['a'] }],
    'blocks[0].fields[0]: a field is a text object: {type: "mrkdwn", text: "…"} (or plain_text)',
  ],
  [
    "an image's title as a string",
    [{ type: 'image', image_url: 'https://x.io/a.png', alt_text: 'a', title: 'Chart' }],
    `blocks[0].title: an image's title is a text object: {type: "plain_text", text: "…"}`,
  ],
  [
    'an actions block without elements',
    [{ type: 'actions' }],
    'blocks[0].elements: an actions block needs elements: [{type: "button", text: {type: "plain_text", text: "…"}}, …]',
  ],
  [
    'a context block without elements',
    [{ type: 'context' }],
    'blocks[0].elements: a context block needs elements: [{type: "mrkdwn", text: "…"}, …]',
  ],
  [
    'an element that is not an object',
    [{ type: 'actions', elements: ['Open'] }],
    'blocks[0].elements[0]: an element is an object, e.g. {type: "button", text: {type: "plain_text", text: "…"}}',
  ],
  [
    'a context element that is not an object',
    [{ type: 'context', elements: ['by ci'] }],
    'blocks[0].elements[0]: a context element is an object, e.g. {type: "mrkdwn", text: "…"}',
  ],
  [
    'a block that is not an object',
    ['Hi'],
    'blocks[0]: a block is an object, e.g. {type: "section", text: {type: "mrkdwn", text: "…"}}',
  ],
])('%s: the refusal says what Slack expects there, not zod’s wording', (_what, blocks, reason) => {
  expect(refusal(blocks)).toBe(reason);
});
