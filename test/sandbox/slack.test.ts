/**
 * SlackSimulator: the Web API rules a Slack client must follow, checked over raw fetch with the
 * encodings @slack/web-api uses (form-urlencoded) and JSON with a bearer token. The clock is frozen
 * so rate limits and scheduling are exercised without sleeping.
 */
import { SimClock } from '../../sandbox/http-kit';
import {
  SANDBOX_WORKSPACE,
  SLACK_SANDBOX_TOKEN,
  SlackSimulator,
  type SlackSimulatorOptions,
} from '../../sandbox/slack';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const T0_S = T0 / 1000;

const started: SlackSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function startSim(options: SlackSimulatorOptions = {}): Promise<{ sim: SlackSimulator; clock: SimClock }> {
  const clock = options.clock ?? new SimClock();
  if (!options.clock) clock.set(T0);
  const sim = new SlackSimulator({ tiers: false, ...options, clock });
  await sim.start();
  started.push(sim);
  return { sim, clock };
}

interface CallOpts {
  token?: string | null;
  /** `form` (as @slack/web-api sends, token in the Authorization header), `form-token` (token= in the body), `json`. */
  as?: 'form' | 'form-token' | 'json';
  httpMethod?: 'GET' | 'POST';
}

// biome-ignore lint/suspicious/noExplicitAny: replies are asserted structurally
type Json = Record<string, any>;

async function call(
  sim: SlackSimulator,
  method: string,
  args: Record<string, unknown> = {},
  opts: CallOpts = {},
): Promise<{ status: number; headers: Headers; json: Json }> {
  const token = opts.token === undefined ? SLACK_SANDBOX_TOKEN : opts.token;
  const as = opts.as ?? 'form';
  const headers: Record<string, string> = {};
  let body: string | undefined;
  let url = `${sim.apiUrl}${method}`;
  if (token !== null && as !== 'form-token') headers.authorization = `Bearer ${token}`;
  if (as === 'json') {
    headers['content-type'] = 'application/json; charset=utf-8';
    body = JSON.stringify(args);
  } else {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(args)) {
      if (v !== undefined) form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    }
    if (token !== null && as === 'form-token') form.set('token', token);
    if (opts.httpMethod === 'GET') url += `?${form}`;
    else {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = form.toString();
    }
  }
  const res = await fetch(url, { method: opts.httpMethod ?? 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : {} };
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('auth', () => {
  test('bearer header, form token= and JSON are accepted; absent and unknown tokens are refused', async () => {
    const { sim } = await startSim();
    const viaHeader = await call(sim, 'auth.test');
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.json).toEqual({
      ok: true,
      url: 'https://sandbox.slack.com/',
      team: 'Sandbox',
      user: 'tajo',
      team_id: 'T0SANDBOX',
      user_id: SANDBOX_WORKSPACE.botUserId,
      bot_id: SANDBOX_WORKSPACE.botId,
      is_enterprise_install: false,
    });
    expect(viaHeader.headers.get('x-oauth-scopes')).toBe(SANDBOX_WORKSPACE.scopes.join(','));
    expect((await call(sim, 'auth.test', {}, { as: 'form-token' })).json.ok).toBe(true);
    expect((await call(sim, 'auth.test', {}, { as: 'json' })).json.ok).toBe(true);
    expect((await call(sim, 'auth.test', {}, { httpMethod: 'GET' })).json.ok).toBe(true);

    const none = await call(sim, 'auth.test', {}, { token: null });
    expect(none).toMatchObject({ status: 200, json: { ok: false, error: 'not_authed' } });
    expect((await call(sim, 'auth.test', {}, { token: 'xoxb-nope' })).json).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
    // A token inside a JSON body does not authenticate.
    const res = await fetch(`${sim.apiUrl}auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: SLACK_SANDBOX_TOKEN }),
    });
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });
    // Nor does one in the query string.
    const q = await fetch(`${sim.apiUrl}auth.test?token=${SLACK_SANDBOX_TOKEN}`);
    expect(await q.json()).toEqual({ ok: false, error: 'not_authed' });

    sim.revokeToken(SLACK_SANDBOX_TOKEN);
    expect((await call(sim, 'auth.test')).json.error).toBe('token_revoked');
  });

  test('unknown methods are 404 unknown_method; tokens select their workspace', async () => {
    const { sim } = await startSim({
      workspaces: [
        SANDBOX_WORKSPACE,
        { ...SANDBOX_WORKSPACE, teamId: 'T0OTHER', teamName: 'Other Co', botToken: 'xoxb-other', scopes: [] },
      ],
    });
    const res = await call(sim, 'chat.nope');
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ ok: false, error: 'unknown_method' });
    expect((await call(sim, 'auth.test', {}, { token: 'xoxb-other' })).json).toMatchObject({
      team_id: 'T0OTHER',
      url: 'https://other-co.slack.com/',
    });
  });

  test('a method needing a scope the token lacks answers missing_scope with needed and provided', async () => {
    const { sim } = await startSim({
      workspaces: [{ ...SANDBOX_WORKSPACE, scopes: ['chat:write', 'users:read'] }],
    });
    expect((await call(sim, 'team.info')).json).toEqual({
      ok: false,
      error: 'missing_scope',
      needed: 'team:read',
      provided: 'chat:write,users:read',
    });
    const lookup = await call(sim, 'users.lookupByEmail', { email: 'a@example.com' });
    expect(lookup.json).toMatchObject({ ok: false, error: 'missing_scope', needed: 'users:read.email' });
    const list = await call(sim, 'conversations.list');
    expect(list.json).toMatchObject({ error: 'missing_scope', needed: 'channels:read' });
    expect((await call(sim, 'users.list', { limit: 10 })).json.ok).toBe(true);
  });
});

describe('rate limits', () => {
  test('chat.postMessage: 1 message per second per channel → 429 Retry-After; another channel is not affected', async () => {
    const { sim, clock } = await startSim({ tiers: undefined });
    const a = sim.addChannel({ name: 'alerts' });
    const b = sim.addChannel({ name: 'sales' });
    expect((await call(sim, 'chat.postMessage', { channel: a.id, text: 'one' })).json.ok).toBe(true);
    const limited = await call(sim, 'chat.postMessage', { channel: a.id, text: 'two' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.json).toEqual({ ok: false, error: 'ratelimited' });
    expect((await call(sim, 'chat.postMessage', { channel: '#sales', text: 'other' })).json.ok).toBe(true);
    expect(sim.messages(a.id).map((m) => m.text)).toEqual(['one']);
    expect(sim.messages(b.id).map((m) => m.text)).toEqual(['other']);

    clock.advance(1000);
    expect((await call(sim, 'chat.postMessage', { channel: a.id, text: 'two' })).json.ok).toBe(true);
    const stats = sim.stats();
    expect(stats).toMatchObject({ requests: 4, rateLimited: 1, byMethod: { 'chat.postMessage': 4 } });
    expect(sim.log.count({ route: 'POST /api/chat.postMessage', status: 429 })).toBe(1);
    sim.resetStats();
    expect(sim.stats()).toEqual({ requests: 0, rateLimited: 0, byMethod: {} });
  });

  test('refused messages do not spend the channel allowance; channelRate is configurable', async () => {
    const { sim } = await startSim({ channelRate: { perSecond: 1, burst: 3 } });
    const c = sim.addChannel({ name: 'alerts' });
    expect((await call(sim, 'chat.postMessage', { channel: c.id })).json.error).toBe('no_text');
    for (let i = 0; i < 3; i++) {
      expect((await call(sim, 'chat.postMessage', { channel: c.id, text: `m${i}` })).status).toBe(200);
    }
    expect((await call(sim, 'chat.postMessage', { channel: c.id, text: 'm3' })).status).toBe(429);
  });

  test('tier 2 on users.list: a burst of 2, then 429 with Retry-After until the bucket refills', async () => {
    const { sim, clock } = await startSim({
      tiers: undefined,
      workspaces: [SANDBOX_WORKSPACE, { ...SANDBOX_WORKSPACE, teamId: 'T0OTHER', botToken: 'xoxb-other' }],
    });
    expect((await call(sim, 'users.list', { limit: 100 })).status).toBe(200);
    expect((await call(sim, 'users.list', { limit: 100 })).status).toBe(200);
    const limited = await call(sim, 'users.list', { limit: 100 });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3'); // 20/min → one request every 3 s
    // Another method and another workspace have their own buckets; auth.test has none.
    expect((await call(sim, 'users.info', { user: 'USLACKBOT' })).status).toBe(200);
    expect((await call(sim, 'users.list', { limit: 100 }, { token: 'xoxb-other' })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await call(sim, 'auth.test')).status).toBe(200);

    clock.advance(2000);
    expect((await call(sim, 'users.list', { limit: 100 })).status).toBe(429);
    clock.advance(1000);
    expect((await call(sim, 'users.list', { limit: 100 })).status).toBe(200);
    expect(sim.stats().rateLimited).toBe(2);
  });

  test('conversations.history drops to tier 1 and limit 15 for new non-Marketplace apps', async () => {
    const { sim } = await startSim({
      tiers: undefined,
      channelRate: false,
      workspaces: [{ ...SANDBOX_WORKSPACE, scopes: ['chat:write', 'channels:history'], newNonMarketplaceApp: true }],
    });
    const c = sim.addChannel({ name: 'alerts' });
    for (let i = 0; i < 20; i++) sim.addMessage(c.id, { text: `m${i}` });
    const first = await call(sim, 'conversations.history', { channel: c.id, limit: 100 });
    expect(first.json.messages).toHaveLength(15);
    expect(first.json.has_more).toBe(true);
    const second = await call(sim, 'conversations.history', { channel: c.id });
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('60');
  });
});

describe('users', () => {
  test('users.list pages 450 users by 200; profile.email only with users:read.email', async () => {
    const { sim } = await startSim({ workspaces: [{ ...SANDBOX_WORKSPACE, scopes: ['users:read'] }] });
    for (let i = 0; i < 450; i++) {
      sim.addUser({ name: `user${i}`, realName: `User Number${i}`, email: `user${i}@example.com`, tz: 'Europe/Paris' });
    }
    const members: Json[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    do {
      const { json } = await call(sim, 'users.list', { limit: 200, cursor });
      expect(json.ok).toBe(true);
      members.push(...json.members);
      pageSizes.push(json.members.length);
      cursor = json.response_metadata.next_cursor || undefined;
    } while (cursor);
    expect(pageSizes).toEqual([200, 200, 52]); // USLACKBOT and the app's bot user are members too
    expect(new Set(members.map((m) => m.id)).size).toBe(452);
    expect(members.every((m) => !('email' in m.profile))).toBe(true);
    const slackbot = members.find((m) => m.id === 'USLACKBOT');
    expect(slackbot).toMatchObject({ is_bot: false, name: 'slackbot' });
    const bot = members.find((m) => m.id === SANDBOX_WORKSPACE.botUserId);
    expect(bot).toMatchObject({ is_bot: true, profile: { bot_id: SANDBOX_WORKSPACE.botId } });
    const person = members.find((m) => m.name === 'user7');
    expect(person).toMatchObject({
      team_id: 'T0SANDBOX',
      deleted: false,
      real_name: 'User Number7',
      tz: 'Europe/Paris',
      tz_label: 'Central European Standard Time',
      tz_offset: 3600,
      is_admin: false,
      is_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_app_user: false,
      updated: T0_S,
      profile: { first_name: 'User', last_name: 'Number7', real_name: 'User Number7', phone: '', title: '' },
    });
    expect((await call(sim, 'users.list', { cursor: 'bm9wZQ==' })).json.error).toBe('invalid_cursor');
  });

  test('users:read.email reveals emails; deactivated users; users.info and lookupByEmail', async () => {
    const { sim } = await startSim();
    const ada = sim.addUser({ name: 'ada', realName: 'Ada Lovelace', email: 'Ada@Example.com', isAdmin: true });
    const gone = sim.addUser({ name: 'gone', email: 'gone@example.com', deleted: true });
    sim.addUser({ name: 'guest', isUltraRestricted: true });
    const { json } = await call(sim, 'users.list', { limit: 1000 });
    const byName = Object.fromEntries(json.members.map((m: Json) => [m.name, m]));
    expect(byName.ada).toMatchObject({ is_admin: true, profile: { email: 'Ada@Example.com' } });
    expect(byName.gone.deleted).toBe(true);
    expect(byName.gone).not.toHaveProperty('tz');
    expect(byName.gone).not.toHaveProperty('is_admin');
    expect(byName.guest).toMatchObject({ is_restricted: true, is_ultra_restricted: true });

    expect((await call(sim, 'users.info', { user: ada.id })).json.user.real_name).toBe('Ada Lovelace');
    expect((await call(sim, 'users.info', { user: 'UNOPE' })).json.error).toBe('user_not_found');
    expect((await call(sim, 'users.lookupByEmail', { email: 'ada@example.com' })).json.user.id).toBe(ada.id);
    expect((await call(sim, 'users.lookupByEmail', { email: 'x@example.com' })).json.error).toBe('users_not_found');
    expect((await call(sim, 'users.info', { user: gone.id })).json.user.deleted).toBe(true);
  });

  test('users.list without limit on a workspace over 1000 users → limit_required', async () => {
    const { sim } = await startSim();
    expect((await call(sim, 'users.list')).json.members).toHaveLength(2);
    for (let i = 0; i < 1000; i++) sim.addUser({ name: `u${i}` });
    expect((await call(sim, 'users.list')).json).toEqual({ ok: false, error: 'limit_required' });
    expect((await call(sim, 'users.list', { limit: 5000 })).json.members).toHaveLength(1000);
  });
});

describe('chat.postMessage', () => {
  test('posts with increasing ts; history returns newest first', async () => {
    const { sim, clock } = await startSim({
      channelRate: false,
      workspaces: [{ ...SANDBOX_WORKSPACE, scopes: [...SANDBOX_WORKSPACE.scopes, 'channels:history'] }],
    });
    const c = sim.addChannel({ name: 'alerts' });
    const first = await call(sim, 'chat.postMessage', { channel: '#alerts', text: 'one', unfurl_links: false });
    expect(first.json).toMatchObject({
      ok: true,
      channel: c.id,
      ts: `${T0_S}.000000`,
      message: { type: 'message', text: 'one', user: SANDBOX_WORKSPACE.botUserId, bot_id: SANDBOX_WORKSPACE.botId },
    });
    const second = await call(
      sim,
      'chat.postMessage',
      { channel: c.id, text: 'two', metadata: { event_type: 'sync_done', event_payload: { n: 1 } } },
      { as: 'json' },
    );
    expect(second.json.ts).toBe(`${T0_S}.000001`);
    clock.advance(1500);
    const third = await call(sim, 'chat.postMessage', { channel: c.id, text: 'three' });
    expect(third.json.ts).toBe(`${T0_S + 1}.500000`);
    expect(sim.messages(c.id).map((m) => [m.text, m.metadata?.event_type])).toEqual([
      ['one', undefined],
      ['two', 'sync_done'],
      ['three', undefined],
    ]);
    const history = await call(sim, 'conversations.history', { channel: c.id, limit: 2 });
    expect(history.json.messages.map((m: Json) => m.text)).toEqual(['three', 'two']);
    expect(history.json.messages[1]).not.toHaveProperty('metadata');
    const rest = await call(sim, 'conversations.history', {
      channel: c.id,
      limit: 2,
      cursor: history.json.response_metadata.next_cursor,
    });
    expect(rest.json.messages.map((m: Json) => m.text)).toEqual(['one']);
    expect(rest.json.has_more).toBe(false);
  });

  test('Block Kit limits: 51 blocks, a 3001-char section, unknown types and no content are refused', async () => {
    const { sim } = await startSim({ channelRate: false });
    const c = sim.addChannel({ name: 'alerts' });
    const post = (args: Record<string, unknown>) => call(sim, 'chat.postMessage', { channel: c.id, ...args });

    const tooMany = await post({ text: 'x', blocks: Array.from({ length: 51 }, () => section('hi')) });
    expect(tooMany.json).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(tooMany.json.errors).toEqual(['no more than 50 items allowed [json-pointer:/blocks]']);
    expect(tooMany.json.response_metadata.messages[0]).toMatch(/^\[ERROR\] no more than 50 items/);

    const long = await post({ text: 'x', blocks: [section('a'.repeat(3001))] });
    expect(long.json.error).toBe('invalid_blocks');
    expect(long.json.errors).toEqual(['must be less than 3001 characters [json-pointer:/blocks/0/text/text]']);

    const fields = Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' }));
    expect((await post({ blocks: [{ type: 'section', fields }] })).json.error).toBe('invalid_blocks');
    const header = { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } };
    expect((await post({ blocks: [header] })).json.error).toBe('invalid_blocks');
    const button = (text: string) => ({ type: 'button', text: { type: 'plain_text', text }, action_id: 'a' });
    const actions = { type: 'actions', elements: Array.from({ length: 26 }, () => button('ok')) };
    expect((await post({ blocks: [actions] })).json.error).toBe('invalid_blocks');
    const longButton = { type: 'actions', elements: [button('b'.repeat(76))] };
    expect((await post({ blocks: [longButton] })).json.error).toBe('invalid_blocks');
    expect((await post({ blocks: [{ type: 'carousel' }] })).json.error).toBe('invalid_blocks');
    expect((await post({ blocks: [{ ...section('x'), block_id: 'b'.repeat(256) }] })).json.error).toBe(
      'invalid_blocks',
    );
    expect((await post({ blocks: '[not json' })).json.error).toBe('invalid_blocks_format');
    expect((await post({})).json.error).toBe('no_text');
    expect((await post({ blocks: [] })).json.error).toBe('no_text');
    expect(sim.messages(c.id)).toHaveLength(0);

    const atLimit = Array.from({ length: 50 }, (_, i) => (i === 0 ? section('a'.repeat(3000)) : { type: 'divider' }));
    const okRes = await post({ text: 'fallback', blocks: atLimit });
    expect(okRes.json.ok).toBe(true);
    expect(sim.messages(c.id)[0]?.blocks).toHaveLength(50);
  });

  test('channel checks: not found, archived, private and public channels the bot is not in', async () => {
    const { sim } = await startSim({
      channelRate: false,
      workspaces: [
        SANDBOX_WORKSPACE,
        { ...SANDBOX_WORKSPACE, teamId: 'T0NOPUB', botToken: 'xoxb-nopub', scopes: ['chat:write'] },
      ],
    });
    const outsidePublic = sim.addChannel({ name: 'general', isMember: false });
    const outsidePrivate = sim.addChannel({ name: 'secret', isPrivate: true, isMember: false });
    const archived = sim.addChannel({ name: 'old', isArchived: true });
    const other = sim.addChannel({ name: 'general', isMember: false, teamId: 'T0NOPUB' });
    const post = (channel: string, token?: string) => call(sim, 'chat.postMessage', { channel, text: 'hi' }, { token });
    expect((await post('C0NOPE')).json.error).toBe('channel_not_found');
    expect((await post(archived.id)).json.error).toBe('is_archived');
    expect((await post(outsidePrivate.id)).json.error).toBe('not_in_channel');
    expect((await post(outsidePublic.id)).json.ok).toBe(true); // chat:write.public
    expect((await post(other.id, 'xoxb-nopub')).json.error).toBe('not_in_channel');
    expect((await post(outsidePublic.id, 'xoxb-nopub')).json.error).toBe('channel_not_found'); // other workspace
  });

  test('thread_ts must be a parent message of that channel', async () => {
    const { sim } = await startSim({ channelRate: false });
    const c = sim.addChannel({ name: 'alerts' });
    const d = sim.addChannel({ name: 'other' });
    const parent = sim.addMessage(c.id, { text: 'parent', user: 'USLACKBOT' });
    const unknown = await call(sim, 'chat.postMessage', { channel: c.id, text: 'r', thread_ts: '1700000000.000001' });
    expect(unknown.json).toEqual({ ok: false, error: 'thread_not_found' });
    const elsewhere = await call(sim, 'chat.postMessage', { channel: d.id, text: 'r', thread_ts: parent.ts });
    expect(elsewhere.json.error).toBe('thread_not_found');

    const reply = await call(sim, 'chat.postMessage', {
      channel: c.id,
      text: 'reply',
      thread_ts: parent.ts,
      reply_broadcast: true,
    });
    expect(reply.json.message).toMatchObject({ thread_ts: parent.ts, subtype: 'thread_broadcast' });
    const onReply = await call(sim, 'chat.postMessage', { channel: c.id, text: 'r', thread_ts: reply.json.ts });
    expect(onReply.json.error).toBe('thread_not_found');
    expect(sim.messages(c.id)[0]).toMatchObject({ reply_count: 1, latest_reply: reply.json.ts });
  });

  test('chat.update edits the bot’s own messages', async () => {
    const { sim } = await startSim({ channelRate: false });
    const c = sim.addChannel({ name: 'alerts' });
    const posted = await call(sim, 'chat.postMessage', { channel: c.id, text: 'v1' });
    const updated = await call(sim, 'chat.update', { channel: c.id, ts: posted.json.ts, text: 'v2' });
    expect(updated.json).toMatchObject({ ok: true, ts: posted.json.ts, text: 'v2' });
    expect(sim.messages(c.id)[0]?.text).toBe('v2');
    const human = sim.addMessage(c.id, { text: 'hi' });
    expect((await call(sim, 'chat.update', { channel: c.id, ts: human.ts, text: 'x' })).json.error).toBe(
      'cant_update_message',
    );
    expect((await call(sim, 'chat.update', { channel: c.id, ts: '1.000000', text: 'x' })).json.error).toBe(
      'message_not_found',
    );
  });
});

describe('chat.scheduleMessage', () => {
  test('post_at in the past or beyond 120 days is refused', async () => {
    const { sim } = await startSim();
    const c = sim.addChannel({ name: 'alerts' });
    const schedule = (postAt: number) =>
      call(sim, 'chat.scheduleMessage', { channel: c.id, text: 'x', post_at: postAt });
    expect((await schedule(T0_S - 1)).json.error).toBe('time_in_past');
    expect((await schedule(T0_S)).json.error).toBe('time_in_past');
    expect((await schedule(T0_S + 120 * 86_400 + 1)).json.error).toBe('time_too_far');
    const okRes = await schedule(T0_S + 120 * 86_400);
    expect(okRes.json).toMatchObject({ ok: true, channel: c.id, post_at: T0_S + 120 * 86_400 });
    expect(okRes.json.scheduled_message_id).toMatch(/^Q/);
    expect((await call(sim, 'chat.scheduleMessage', { channel: c.id, text: 'x', post_at: 'soon' })).json.error).toBe(
      'invalid_time',
    );
  });

  test('at most 30 per channel in any 5-minute window', async () => {
    const { sim } = await startSim();
    const c = sim.addChannel({ name: 'alerts' });
    const d = sim.addChannel({ name: 'other' });
    const base = T0_S + 3600;
    for (let i = 0; i < 30; i++) {
      const r = await call(sim, 'chat.scheduleMessage', { channel: c.id, text: `m${i}`, post_at: base + i });
      expect(r.json.ok).toBe(true);
    }
    const tooMany = await call(sim, 'chat.scheduleMessage', { channel: c.id, text: 'x', post_at: base + 299 });
    expect(tooMany.json).toEqual({ ok: false, error: 'restricted_too_many' });
    // A window that starts before `base` still holds all 30.
    expect((await call(sim, 'chat.scheduleMessage', { channel: c.id, text: 'x', post_at: base - 5 })).json.error).toBe(
      'restricted_too_many',
    );
    expect((await call(sim, 'chat.scheduleMessage', { channel: d.id, text: 'x', post_at: base })).json.ok).toBe(true);
    expect((await call(sim, 'chat.scheduleMessage', { channel: c.id, text: 'x', post_at: base + 329 })).json.ok).toBe(
      true,
    );
    expect(sim.scheduled(c.id)).toHaveLength(31);
  });

  test('scheduled messages list, delete, and post when the clock passes post_at (not those with metadata)', async () => {
    const { sim, clock } = await startSim();
    const c = sim.addChannel({ name: 'alerts' });
    const s1 = await call(sim, 'chat.scheduleMessage', { channel: c.id, text: 'later', post_at: T0_S + 60 });
    const s2 = await call(sim, 'chat.scheduleMessage', { channel: c.id, text: 'drop me', post_at: T0_S + 90 });
    await call(sim, 'chat.scheduleMessage', {
      channel: c.id,
      text: 'with metadata',
      post_at: T0_S + 120,
      metadata: JSON.stringify({ event_type: 'x', event_payload: {} }),
    });
    const list = await call(sim, 'chat.scheduledMessages.list', { channel: c.id });
    expect(list.json.scheduled_messages.map((s: Json) => s.text)).toEqual(['later', 'drop me', 'with metadata']);
    const del = await call(sim, 'chat.deleteScheduledMessage', {
      channel: c.id,
      scheduled_message_id: s2.json.scheduled_message_id,
    });
    expect(del.json).toEqual({ ok: true });
    expect(
      (await call(sim, 'chat.deleteScheduledMessage', { channel: c.id, scheduled_message_id: 'Q0NOPE' })).json.error,
    ).toBe('invalid_scheduled_message_id');
    clock.advance(180_000);
    expect(sim.messages(c.id).map((m) => [m.text, m.ts])).toEqual([['later', `${T0_S + 60}.000000`]]);
    expect(sim.scheduled(c.id)).toEqual([]);
    expect(s1.json.scheduled_message_id).toBeDefined();
  });
});

describe('conversations', () => {
  test('conversations.list pages with next_cursor; hidden private channels, archived and types', async () => {
    const { sim } = await startSim({
      workspaces: [{ ...SANDBOX_WORKSPACE, scopes: [...SANDBOX_WORKSPACE.scopes, 'groups:read'] }],
    });
    for (let i = 0; i < 250; i++) sim.addChannel({ name: `ch-${i}`, isArchived: i % 50 === 0 });
    sim.addChannel({ name: 'secret-in', isPrivate: true });
    sim.addChannel({ name: 'secret-out', isPrivate: true, isMember: false });

    const names: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const { json } = await call(sim, 'conversations.list', { limit: 100, cursor });
      names.push(...json.channels.map((ch: Json) => ch.name));
      sizes.push(json.channels.length);
      cursor = json.response_metadata.next_cursor || undefined;
    } while (cursor);
    expect(sizes).toEqual([100, 100, 50]);
    expect(new Set(names).size).toBe(250);

    const active = await call(sim, 'conversations.list', { limit: 1000, exclude_archived: true });
    expect(active.json.channels).toHaveLength(245);
    expect(active.json.response_metadata.next_cursor).toBe('');
    const both = await call(sim, 'conversations.list', {
      limit: 1000,
      types: 'public_channel,private_channel',
    });
    const privateNames = both.json.channels.filter((ch: Json) => ch.is_private).map((ch: Json) => ch.name);
    expect(privateNames).toEqual(['secret-in']);
    expect(both.json.channels[0]).toMatchObject({ is_channel: true, is_member: true, is_archived: true });
    expect((await call(sim, 'conversations.list', { types: 'weird' })).json.error).toBe('invalid_types');
    expect((await call(sim, 'conversations.list', { cursor: 'garbage' })).json.error).toBe('invalid_cursor');

    const noGroups = await startSim();
    expect((await call(noGroups.sim, 'conversations.list', { types: 'private_channel' })).json).toMatchObject({
      error: 'missing_scope',
      needed: 'groups:read',
    });
  });

  test('conversations.info', async () => {
    const { sim } = await startSim();
    const c = sim.addChannel({ name: 'alerts', topic: 'Alerts' });
    const hidden = sim.addChannel({ name: 'secret', isPrivate: true, isMember: false });
    const info = await call(sim, 'conversations.info', { channel: c.id });
    expect(info.json.channel).toMatchObject({ id: c.id, name: 'alerts', topic: { value: 'Alerts' } });
    expect((await call(sim, 'conversations.info', { channel: hidden.id })).json.error).toBe('channel_not_found');
  });
});

describe('faults and views', () => {
  test('failNext serves the given faults before auth, then recovers', async () => {
    const { sim } = await startSim();
    sim.failNext(1, { status: 500 });
    sim.failNext(1, { status: 429, retryAfter: 7 });
    sim.failNext(1, { error: 'fatal_error' });
    const a = await call(sim, 'auth.test', {}, { token: null });
    expect(a.status).toBe(500);
    const b = await call(sim, 'auth.test');
    expect(b.status).toBe(429);
    expect(b.headers.get('retry-after')).toBe('7');
    expect(b.json).toEqual({ ok: false, error: 'ratelimited' });
    const c = await call(sim, 'auth.test');
    expect(c).toMatchObject({ status: 200, json: { ok: false, error: 'fatal_error' } });
    expect((await call(sim, 'auth.test')).json.ok).toBe(true);
    expect(sim.stats()).toMatchObject({ requests: 4, rateLimited: 0, byMethod: { 'auth.test': 4 } });
  });

  test('views.open needs an unused trg-* trigger and a valid modal', async () => {
    const { sim, clock } = await startSim();
    const view = {
      type: 'modal',
      title: { type: 'plain_text', text: 'Sync' },
      blocks: [section('hello')],
    };
    expect((await call(sim, 'views.open', { trigger_id: 'bad', view })).json.error).toBe('invalid_trigger_id');
    const trigger = sim.issueTrigger();
    const opened = await call(sim, 'views.open', { trigger_id: trigger, view });
    expect(opened.json).toMatchObject({ ok: true, view: { type: 'modal', title: { text: 'Sync' } } });
    expect((await call(sim, 'views.open', { trigger_id: trigger, view })).json.error).toBe('trigger_exchanged');
    const longTitle = { ...view, title: { type: 'plain_text', text: 't'.repeat(25) } };
    expect((await call(sim, 'views.open', { trigger_id: 'trg-x', view: longTitle })).json.error).toBe(
      'invalid_arguments',
    );
    const late = sim.issueTrigger();
    clock.advance(3001);
    expect((await call(sim, 'views.open', { trigger_id: late, view })).json.error).toBe('expired_trigger_id');
    expect(sim.views()).toHaveLength(1);
  });
});
