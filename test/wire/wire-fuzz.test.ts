/**
 * Wire fuzz: every endpoint the Brevo, Notion and Slack clients read, answered by a loopback server
 * with a valid answer (test/wire/fixtures.ts, the providers' published shapes) and then with every
 * mutation of it that test/wire/mutate.ts generates by walking the JSON: each field null, then
 * absent; an unknown field added to every object; every string replaced by a value no enum has.
 *
 * The outcome must be defined:
 * - parsed, and (unless the mutation touched it) the value the caller needs is the valid answer's;
 * - or, where the field is required by the published schema (listed per endpoint below), a typed
 *   error (TajoError: ProviderError, SlackApiError) with a one-line message and no zod dump, or the
 *   item left out and reported per item (rejected rows, skipped users, unsupported blocks).
 * Anything else (a ZodError, a TypeError, a multi-line message, a silent loss) fails the test.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NotionGateway } from '../../shared/connectors/notion/client';
import { type Block, parseBlock } from '../../shared/connectors/notion/content/blocks';
import { readNotionWebhookEvent } from '../../shared/connectors/notion/webhooks';
import { SlackClient } from '../../shared/connectors/slack/client';
import { BrevoClient } from '../../shared/core/brevo/client';
import { TajoError } from '../../shared/core/errors';
import { newStats } from '../../shared/core/http/paced-fetch';
import { Pacer, WindowBudget } from '../../shared/core/ratelimit/pacer';
import { VirtualClock } from '../support/virtual-clock';
import * as F from './fixtures';
import { type Mutation, matches, mutations, pathPattern, reaches } from './mutate';

// ------------------------------------------------------------------------------ loopback server

let answer: { status: number; body: unknown; raw?: string } = { status: 200, body: {} };
let server: Server;
let baseUrl = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = answer.status;
      res.setHeader('content-type', 'application/json');
      res.end(answer.raw ?? JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const clock = new VirtualClock();

function brevo(): BrevoClient {
  return new BrevoClient({
    apiKey: 'xkeysib-fuzz',
    baseUrl,
    clock,
    stats: newStats(),
    limits: { contacts: new Pacer(0, clock), other: new WindowBudget(1_000_000, 3_600_000, clock) },
  });
}

function notion(): NotionGateway {
  return new NotionGateway({
    token: 'ntn_fuzz',
    apiVersion: '2025-09-03',
    baseUrl,
    clock,
    pacer: new Pacer(0, clock),
    stats: newStats(),
  });
}

function slack(): SlackClient {
  return new SlackClient({ token: 'xoxb-fuzz', apiUrl: `${baseUrl}/api/`, clock, stats: newStats() });
}

// ------------------------------------------------------------------------------ endpoints

interface Endpoint {
  name: string;
  valid: unknown;
  status?: number;
  /** Reads the answer the way the product does. */
  read: (body: unknown) => Promise<unknown>;
  /** What the caller needs from the result (compared with the valid answer's). */
  key: (result: never) => unknown;
  /** Fields `key` reads: a mutation touching one may change the key. */
  needs: string[];
  /** Fields the published schema requires (or we need to do the job): they may fail, defined. */
  required: string[];
  /** Items left out and reported per item (rows, users, blocks), for mutations inside one item. */
  itemErrors?: (result: never) => number;
  /** This endpoint's answer is an error: the outcome must always be a typed error. */
  error?: boolean;
  /**
   * Why this read path may leave out an item it cannot read (null instead of an object) without a
   * per-item report: said here, so each such lenience is a decision on record, not an accident.
   */
  dropsUnreadable?: string;
}

const fetchedWith = <T>(fn: () => Promise<T>) => fn;

const PERIOD = { start: new Date('2026-11-21T00:00:00.000Z'), end: new Date('2026-11-22T00:00:00.000Z') };

const ENDPOINTS: Endpoint[] = [
  // ---------------------------------------------------------------- Brevo
  {
    name: 'brevo GET /v3/account',
    valid: F.brevoAccount,
    read: () => brevo().getAccount(),
    key: (r: { email?: string; companyName?: string }) => [r.email, r.companyName],
    needs: ['email', 'companyName'],
    required: [],
  },
  {
    name: 'brevo GET /v3/contacts/attributes',
    valid: F.brevoAttributes,
    read: () => brevo().readAttributes(),
    key: (r: { attributes: { name: string; category: string }[] }) => r.attributes.map((a) => [a.name, a.category]),
    needs: ['attributes', 'attributes[].name', 'attributes[].category', 'attributes[].type'],
    required: [
      'attributes[].name',
      'attributes[].category',
      'attributes[].enumeration[]',
      'attributes[].enumeration[].value',
      'attributes[].enumeration[].label',
      'attributes[].multiCategoryOptions[]',
    ],
    itemErrors: (r: { unsupported: unknown[] }) => r.unsupported.length,
  },
  {
    name: 'brevo GET /v3/contacts/lists',
    valid: F.brevoLists,
    read: () => brevo().listLists(),
    key: (r: { id: number; name: string }[]) => r.map((l) => [l.id, l.name]),
    needs: ['lists', 'lists[].id', 'lists[].name'],
    required: ['lists[]', 'lists[].id', 'lists[].name'],
  },
  {
    name: 'brevo GET /v3/contacts/folders',
    valid: F.brevoFolders,
    read: () => brevo().listFolders(),
    key: (r: { id: number; name: string }[]) => r.map((l) => [l.id, l.name]),
    needs: ['folders', 'folders[].id', 'folders[].name'],
    required: ['folders[]', 'folders[].id', 'folders[].name'],
  },
  {
    name: 'brevo POST /v3/contacts/folders',
    valid: F.brevoCreated,
    read: () => brevo().createFolder('Tajo'),
    key: (r: number) => r,
    needs: ['id'],
    required: ['id'],
  },
  {
    name: 'brevo POST /v3/contacts/lists',
    valid: F.brevoCreated,
    read: () => brevo().createList('Newsletter', 1),
    key: (r: number) => r,
    needs: ['id'],
    required: ['id'],
  },
  {
    name: 'brevo POST /v3/contacts/import',
    valid: F.brevoImport,
    read: () => brevo().importContacts({ rows: [{ email: 'a@example.com', attributes: {} }], listIds: [3] }),
    key: (r: number) => r,
    needs: ['processId'],
    required: ['processId'],
  },
  {
    name: 'brevo GET /v3/processes/{id} (running)',
    valid: F.brevoProcessRunning,
    read: () => brevo().getProcess(12),
    key: (r: { status: string }) => r.status,
    needs: ['status'],
    required: ['status'],
  },
  {
    name: 'brevo GET /v3/processes/{id} (completed)',
    valid: F.brevoProcessDone,
    read: () => brevo().getProcess(12),
    key: (r: { status: string; info?: { import?: Record<string, unknown> } }) => [r.status, r.info?.import],
    needs: ['status', 'info', 'info.import', 'info.import.*'],
    required: ['status'],
  },
  {
    name: 'brevo GET /v3/contacts/{identifier}',
    valid: F.brevoContact,
    read: () => brevo().getContact('ann@example.com'),
    key: (r: { attributes: Record<string, unknown> }) => r.attributes,
    needs: ['attributes', 'attributes.*', 'attributes.*[]'],
    required: [],
  },
  {
    name: 'brevo POST /v3/contacts/lists/{id}/contacts/add',
    valid: F.brevoListAdd,
    read: () => brevo().addToList(3, { emails: ['ann@example.com', 'bob@example.com'] }),
    key: (r: string[]) => r,
    needs: ['contacts', 'contacts.failure', 'contacts.failure[]'],
    required: [],
  },
  {
    name: 'brevo GET /v3/senders',
    valid: F.brevoSenders,
    read: () => brevo().listSenders(),
    key: (r: { id: number; email: string; active: boolean }[]) => r.map((s) => [s.id, s.email, s.active]),
    needs: ['senders', 'senders[].id', 'senders[].email', 'senders[].active'],
    required: ['senders[]', 'senders[].id', 'senders[].email'],
  },
  {
    name: 'brevo POST /v3/emailCampaigns',
    valid: F.brevoCreated,
    read: () =>
      brevo().createEmailCampaign({
        name: 'Weekly',
        subject: 'This week',
        sender: { email: 'news@acme.example' },
        htmlContent: '<p>Hi</p>',
        listIds: [3],
      }),
    key: (r: number) => r,
    needs: ['id'],
    required: ['id'],
  },
  {
    name: 'brevo GET /v3/emailCampaigns/{id}',
    valid: F.brevoCampaign,
    read: () => brevo().getEmailCampaign(9),
    key: (r: { id: number; name: string; status: string }) => [r.id, r.name, r.status],
    needs: ['id', 'name', 'status'],
    required: ['id', 'name', 'status'],
  },
  {
    name: 'brevo GET /v3/emailCampaigns (find by name)',
    valid: F.brevoCampaigns,
    read: () => brevo().findRecentCampaign('Weekly'),
    key: (r: { id: number } | undefined) => r?.id,
    needs: ['campaigns', 'campaigns[].id', 'campaigns[].name', 'campaigns[].status'],
    required: ['campaigns[]', 'campaigns[].id', 'campaigns[].name', 'campaigns[].status'],
    dropsUnreadable: 'a lookup by name: an item without a name or status is not the campaign looked for',
  },
  {
    name: 'brevo GET /v3/emailCampaigns (sent, statistics)',
    valid: F.brevoCampaigns,
    read: () => brevo().sentCampaigns(PERIOD),
    key: (r: unknown[]) => r,
    needs: [
      'campaigns',
      'campaigns[].id',
      'campaigns[].name',
      'campaigns[].subject',
      'campaigns[].sentDate',
      'campaigns[].statistics',
      'campaigns[].statistics.globalStats',
      'campaigns[].statistics.globalStats.*',
    ],
    required: ['campaigns[]', 'campaigns[].id', 'campaigns[].name'],
  },
  {
    name: 'brevo GET /v3/contacts (figures)',
    valid: F.brevoContacts,
    read: () => brevo().contactFigures({ start: PERIOD.start, end: new Date('2026-11-22T00:00:00.000Z') }),
    key: (r: unknown) => r,
    needs: [
      'contacts',
      'contacts[].id',
      'contacts[].createdAt',
      'contacts[].modifiedAt',
      'contacts[].emailBlacklisted',
    ],
    required: ['contacts[]', 'contacts[].id', 'contacts[].createdAt'],
  },
  {
    name: 'brevo error body (400)',
    valid: F.brevoError,
    status: 400,
    error: true,
    read: () => brevo().createFolder('Tajo'),
    key: () => undefined,
    needs: [],
    required: [],
  },
  // ---------------------------------------------------------------- Notion
  {
    name: 'notion GET /v1/users/me',
    valid: F.notionBotUser,
    read: () => notion().me(),
    key: (r: { id: string }) => r.id,
    needs: ['id'],
    required: ['id'],
  },
  {
    name: 'notion POST /v1/pages (connection test row)',
    valid: F.notionPage,
    read: () => notion().createRow('ds', 'Name', 'Tajo test'),
    key: (r: string) => r,
    needs: ['id'],
    required: ['id'],
  },
  {
    name: 'notion GET /v1/databases/{id}',
    valid: F.notionDatabase,
    read: () => notion().resolveDatabase('db'),
    key: (r: { sources: { id: string }[] }) => r.sources.map((s) => s.id),
    needs: ['data_sources', 'data_sources[].id'],
    required: ['data_sources', 'data_sources[]', 'data_sources[].id'],
  },
  {
    name: 'notion GET /v1/data_sources/{id} (schema)',
    valid: F.notionDataSource,
    read: () => notion().getSchema('ds', { withOptions: true }),
    key: (r: Record<string, { id: string; type: string }>) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, [v.id, v.type]])),
    // Record entries are data: one removed is a property the source no longer has.
    needs: ['properties', 'properties.*', 'properties.*.id', 'properties.*.type'],
    required: [],
    itemErrors: (r: Record<string, { type: string }>) =>
      Object.values(r).filter((p) => p.type === 'unsupported').length,
  },
  {
    name: 'notion POST /v1/data_sources/{id}/query',
    valid: F.notionQuery,
    read: () => notion().query('ds', {}),
    key: (r: { pages: { id: string; last_edited_time: string }[]; hasMore: boolean; nextCursor?: string }) => [
      r.pages.map((p) => [p.id, p.last_edited_time]),
      r.hasMore,
      r.nextCursor,
    ],
    needs: ['results', 'results[].id', 'results[].last_edited_time', 'results[].object'],
    required: [
      'results',
      'has_more',
      'results[]',
      'results[].object',
      'results[].id',
      'results[].created_time',
      'results[].last_edited_time',
      'results[].properties',
    ],
    itemErrors: (r: { rejected?: unknown[] }) => r.rejected?.length ?? 0,
  },
  {
    name: 'notion GET /v1/pages/{id}/properties/{id}',
    valid: F.notionPropertyItems,
    read: () => notion().getFullPropertyItems('p', 'rel'),
    key: (r: unknown[]) => r.length,
    needs: ['object', 'results'],
    required: ['object', 'results[]'],
    dropsUnreadable: 'an element that is not an object carries no value (the mapping reads the others)',
  },
  {
    name: 'notion POST /v1/search',
    valid: F.notionSearch,
    read: () => notion().search({}),
    key: (r: { results: { id: string; object: string }[] }) => r.results.map((h) => [h.object, h.id]),
    needs: ['results', 'results[].id', 'results[].object'],
    required: ['results', 'has_more', 'results[]', 'results[].object', 'results[].id', 'results[].last_edited_time'],
    itemErrors: (r: { skipped: unknown[] }) => r.skipped.length,
  },
  {
    name: 'notion GET /v1/pages/{id} (import)',
    valid: F.notionPage,
    read: () => notion().retrievePage('p'),
    key: (r: { id: string; last_edited_time: string }) => [r.id, r.last_edited_time],
    needs: ['id', 'last_edited_time'],
    required: ['object', 'id', 'created_time', 'last_edited_time'],
  },
  {
    name: 'notion GET /v1/pages/{id} (webhook fetch)',
    valid: F.notionPage,
    read: () => notion().getPage('p'),
    key: (r: { id: string; last_edited_time: string }) => [r.id, r.last_edited_time],
    needs: ['id', 'last_edited_time'],
    required: ['object', 'id', 'created_time', 'last_edited_time', 'properties'],
  },
  {
    name: 'notion PATCH /v1/pages/{id}',
    valid: F.notionPage,
    read: () => notion().updatePageProperties('p', {}),
    key: (r: { id: string }) => r.id,
    needs: ['id'],
    required: ['object', 'id', 'created_time', 'last_edited_time', 'properties'],
  },
  {
    name: 'notion GET /v1/blocks/{id}',
    valid: F.notionBlock,
    read: async () => parseBlock(await notion().retrieveBlock('b2')),
    key: (r: Block) => [r.id, r.type],
    needs: ['id', 'type'],
    required: ['id'],
    itemErrors: (r: Block) => (r.type === 'unsupported' ? 1 : 0),
  },
  {
    name: 'notion GET /v1/blocks/{id}/children (+ parseBlock)',
    valid: F.notionBlocks,
    read: async () => {
      const page = await notion().listBlockChildren('p', undefined, 100);
      return page.results.map(parseBlock);
    },
    key: (r: Block[]) => r.map((b) => [b.id, b.type]),
    needs: ['results', 'results[].id', 'results[].type'],
    required: [
      'results',
      'has_more',
      'results[].id',
      // Payload fields without which the block cannot be shown: the block becomes `unsupported`
      // with the reason (reported per block).
      'results[].table',
      'results[].table.table_width',
      'results[].image',
      'results[].image.type',
    ],
    itemErrors: (r: Block[]) => r.filter((b) => b.type === 'unsupported').length,
  },
  {
    name: 'notion GET /v1/users',
    valid: F.notionUsers,
    read: () => notion().listUsers(),
    key: (r: { users: { id: string }[] }) => r.users.map((u) => u.id),
    needs: ['results', 'results[].id'],
    required: ['results', 'has_more', 'results[]', 'results[].id'],
    itemErrors: (r: { skipped: unknown[] }) => r.skipped.length,
  },
  {
    name: 'notion error body (400)',
    valid: F.notionError,
    status: 400,
    error: true,
    read: () => notion().me(),
    key: () => undefined,
    needs: [],
    required: [],
  },
  {
    name: 'notion webhook event (page.properties_updated)',
    valid: F.notionWebhookEvent,
    read: async (body) => {
      const ev = readNotionWebhookEvent(body);
      if (!ev.ok) throw new TajoError(`not a Notion webhook event (${ev.reason})`, 'bad_event');
      return ev.event;
    },
    key: (r: { id: string; type: string; entity: { id: string; type: string } }) => [
      r.id,
      r.type,
      r.entity.id,
      r.entity.type,
    ],
    needs: ['id', 'type', 'entity', 'entity.id', 'entity.type'],
    required: ['id', 'type', 'entity', 'entity.id', 'entity.type'],
  },
  // ---------------------------------------------------------------- Slack
  {
    name: 'slack auth.test',
    valid: F.slackAuthTest,
    read: () => slack().authTest(),
    key: (r: { team_id: string }) => r.team_id,
    needs: ['team_id'],
    required: ['ok', 'team_id'],
  },
  {
    name: 'slack users.info',
    valid: F.slackUsersInfo,
    read: () => slack().userEmail('U0001'),
    key: (r: string | undefined) => r,
    needs: ['user', 'user.profile', 'user.profile.email'],
    required: ['ok', 'user'],
  },
  {
    name: 'slack users.list',
    valid: F.slackUsersList,
    read: () => slack().usersList({ limit: 200 }),
    key: (r: { members: { id: string }[]; nextCursor?: string }) => [r.members.map((m) => m.id), r.nextCursor],
    needs: ['members', 'members[].id', 'response_metadata', 'response_metadata.next_cursor'],
    required: ['ok', 'members', 'members[]', 'members[].id'],
    itemErrors: (r: { skipped: unknown[] }) => r.skipped.length,
  },
  {
    name: 'slack chat.postMessage',
    valid: F.slackPosted,
    read: () => slack().postMessage({ teamId: 'T0123', channel: 'C0123', text: 'Hello' }),
    key: (r: string) => r,
    needs: ['ts'],
    required: ['ok', 'ts'],
  },
  {
    name: 'slack chat.scheduleMessage',
    valid: F.slackScheduled,
    read: () => slack().scheduleMessage({ teamId: 'T0123', channel: 'C0123', text: 'Later', postAt: 1764003600 }),
    key: (r: { scheduledMessageId: string; postAt: number; channel: string }) => [
      r.scheduledMessageId,
      r.postAt,
      r.channel,
    ],
    needs: ['scheduled_message_id', 'post_at', 'channel'],
    required: ['ok', 'scheduled_message_id'],
  },
  {
    name: 'slack error answer (ok: false)',
    valid: F.slackError,
    error: true,
    read: () => slack().postMessage({ teamId: 'T0123', channel: 'C0999', text: 'Hello' }),
    key: () => undefined,
    needs: [],
    required: [],
  },
];

// ------------------------------------------------------------------------------ the check

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

async function run(ep: Endpoint, body: unknown): Promise<Outcome> {
  answer = { status: ep.status ?? 200, body };
  try {
    return { ok: true, value: await fetchedWith(() => ep.read(body))() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Why an error is not a defined one (undefined when it is). */
function undefinedError(error: unknown): string | undefined {
  if (!(error instanceof TajoError)) {
    return `${error instanceof Error ? error.constructor.name : typeof error}: ${String((error as Error)?.message ?? error).slice(0, 200)}`;
  }
  if (/\n/.test(error.message)) return `a multi-line message: ${error.message.slice(0, 200)}`;
  if (/"code"\s*:|"expected"\s*:|invalid_type|^\s*\[/.test(error.message)) return `a validation dump: ${error.message}`;
  if (error.message.length > 400) return `a message of ${error.message.length} characters`;
  return undefined;
}

function describe_(m: Mutation): string {
  return `${m.kind} ${pathPattern(m.path)}`;
}

/** The failures of one endpoint over all mutations (empty when every outcome is defined). */
async function fuzz(ep: Endpoint): Promise<{ failures: string[]; tried: number }> {
  const failures: string[] = [];
  const base = await run(ep, ep.valid);
  if (ep.error) {
    if (base.ok || undefinedError(base.error))
      failures.push(`valid error answer: ${base.ok ? 'no error' : undefinedError(base.error)}`);
  } else if (!base.ok) {
    return { failures: [`the valid answer fails: ${String((base.error as Error).message)}`], tried: 0 };
  }
  const validKey = base.ok ? JSON.stringify(ep.key(base.value as never)) : undefined;
  const all = mutations(ep.valid);
  for (const m of all) {
    const out = await run(ep, m.body);
    const isRequired = ep.required.some((p) => matches(p, m.path));
    // Nulling or removing a parent of a required field (e.g. one whole row) removes that field too.
    const insideRequired = m.kind !== 'extra' && ep.required.some((p) => reaches(p, m.path) && !matches(p, m.path));
    if (ep.error) {
      if (out.ok) failures.push(`${describe_(m)}: an error answer read as a success`);
      else if (undefinedError(out.error)) failures.push(`${describe_(m)}: ${undefinedError(out.error)}`);
      continue;
    }
    if (!out.ok) {
      const why = undefinedError(out.error);
      if (why) failures.push(`${describe_(m)}: ${why}`);
      else if (!isRequired && !insideRequired && m.kind !== 'new-value') {
        failures.push(`${describe_(m)}: refused (${(out.error as Error).message}) though the field is optional`);
      }
      continue;
    }
    if (m.kind === 'new-value') continue; // parsed: a new enum value passes through or is reported
    const key = JSON.stringify(ep.key(out.value as never));
    if (key === validKey) continue;
    if (ep.needs.some((p) => matches(p, m.path))) continue; // the mutation changed what is needed
    const reported =
      (ep.itemErrors ? ep.itemErrors(out.value as never) > 0 : false) || ep.dropsUnreadable !== undefined;
    if ((isRequired || insideRequired) && reported) continue;
    failures.push(`${describe_(m)}: parsed, but the needed value changed (${key} ≠ ${validKey})`);
  }
  return { failures, tried: all.length };
}

const totals: Record<string, number> = {};

describe('wire fuzz: every client read path has a defined outcome for every mutation', () => {
  for (const ep of ENDPOINTS) {
    test(ep.name, async () => {
      const { failures, tried } = await fuzz(ep);
      totals[ep.name] = tried;
      expect(failures).toEqual([]);
      expect(tried).toBeGreaterThan(0);
    });
  }

  afterAll(() => {
    const n = Object.values(totals).reduce((a, b) => a + b, 0);
    // What was measured: endpoints and mutations tried (visible with --verbose runs).
    process.stdout.write(`wire fuzz: ${Object.keys(totals).length} endpoints, ${n} mutated answers\n`);
  });
});

describe('writes whose answer body is not read', () => {
  const bodies = [{ raw: '' }, { raw: 'OK' }, { raw: '{"ok":true}' }, { raw: 'null' }];
  test.each(bodies)('Brevo POST /v3/events and sendNow accept a 2xx answer with body %j', async ({ raw }) => {
    answer = { status: 200, body: undefined, raw };
    await expect(
      brevo().createEvent({ event_name: 'notion_page_updated', identifiers: { email_id: 'ann@example.com' } }),
    ).resolves.toBeUndefined();
    await expect(brevo().sendCampaignNow(9)).resolves.toBeUndefined();
  });

  test('a read whose 2xx body is not JSON is a one-line ProviderError', async () => {
    answer = { status: 200, body: undefined, raw: '<html>maintenance</html>' };
    const brevoErr = await brevo()
      .getProcess(12)
      .catch((e: unknown) => e);
    expect(undefinedError(brevoErr)).toBeUndefined();
    expect((brevoErr as Error).message).toBe('Brevo answered process 12 with a body that is not JSON');
    const notionErr = await notion()
      .me()
      .catch((e: unknown) => e);
    expect(undefinedError(notionErr)).toBeUndefined();
    const slackErr = await slack()
      .authTest()
      .catch((e: unknown) => e);
    expect(undefinedError(slackErr)).toBeUndefined();
  });
});

describe('the fuzz can fail', () => {
  test('the pre-fix process schema (error: string, optional) refused Brevo\'s "error": null', async () => {
    const { z } = await import('zod');
    const old = z.looseObject({ id: z.number(), status: z.string(), error: z.string().optional() });
    expect(old.safeParse(F.brevoProcessRunning).success).toBe(false);
    expect(mutations(F.brevoProcessDone).some((m) => m.kind === 'null' && pathPattern(m.path) === 'info.import')).toBe(
      true,
    );
  });

  test('a read path that throws a ZodError is reported as undefined', async () => {
    const { z } = await import('zod');
    const ep: Endpoint = {
      name: 'strict reader',
      valid: { id: 1, status: 'x' },
      read: async (body) => z.object({ id: z.number(), status: z.string() }).parse(body),
      key: (r: { id: number }) => r.id,
      needs: ['id'],
      required: ['id'],
    };
    const { failures } = await fuzz(ep);
    expect(failures.some((f) => f.startsWith('null status: ZodError'))).toBe(true);
  });
});
