/**
 * Notion webhook events reach their effect in Brevo, promptly, on the local stack (issue 12 §4):
 * signed events of every page type (properties updated, created, deleted, undeleted, moved), sent
 * in sequences 0.1–3 s apart and in bursts, through the stack's real lane runner. Every effect must
 * arrive; the p95 latency from the event's 200 to its Brevo effect must stay under 10 s.
 */

import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { LocalStack } from '../../local/stack';
import { NotionWebhookSender, signWebhookBody } from '../../sandbox/notion';
import { SANDBOX_DATABASE_ID, SANDBOX_LIST, sandboxRow } from '../../sandbox/sandbox';
import { type SandboxStack, startSandboxStack } from '../support/sandbox-stack';

jest.setTimeout(90_000);

let sandbox: SandboxStack;
let stack: LocalStack;
const sender = new NotionWebhookSender();
const latencies: Record<string, number[]> = {};

beforeAll(async () => {
  const trace = process.env.TAJO_TRACE_FILE;
  sandbox = await startSandboxStack({
    sandboxRows: 30,
    ...(trace ? { log: (line: string) => appendFileSync(trace, `${new Date().toISOString()} ${line}\n`) } : {}),
  });
  stack = sandbox.stack;
  // Pages in the trash before the first sync: the undelete events bring them (back) into the list.
  for (const id of stack.sandbox!.pageIds.slice(20, 30)) stack.sandbox!.notion.trashPage(id);
  const run = await stack.syncAndWait('incremental', 60_000);
  expect(run.status).toBe('succeeded');
  const url = `${stack.url}/webhooks/notion/default`;
  expect((await sender.sendVerification(url)).status).toBe(200);
  // The admin fetches the pending token (and pastes it into Notion): events signed with it are accepted.
  const view = await fetch(`${stack.url}/tenants/default/connections/notion/webhook`, {
    headers: { authorization: `Bearer ${stack.apiKey}` },
  });
  expect(view.status).toBe(200);
}, 90_000);

afterAll(async () => {
  await sandbox?.stop();
  const lines = Object.entries(latencies).map(([type, ms]) => {
    const s = [...ms].sort((a, b) => a - b);
    const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
    return `${type}: n=${s.length} p50=${at(0.5)} ms p95=${at(0.95)} ms max=${s[s.length - 1]} ms`;
  });
  if (process.env.TAJO_BENCH_PRINT) console.log(`webhook → Brevo latency\n${lines.join('\n')}`);
});

const sim = () => stack.sandbox!;
const list = () =>
  sim()
    .brevo.lists()
    .find((l) => l.name === SANDBOX_LIST)!;
const inList = (email: string) => sim().brevo.listMembers(list().id).includes(email.toLowerCase());
const emailOf = (pageId: string) => {
  const page = sim().notion.getPage(pageId) as { properties: Record<string, { email?: string | null }> };
  return page.properties.Email?.email as string;
};

type Kind = 'page.properties_updated' | 'page.created' | 'page.deleted' | 'page.undeleted' | 'page.moved';
let nextRow = 1000;
let nextSeats = 500;
let nextUndelete = 20;
let nextUpdate = 0;
let nextDelete = 10;

/** Makes the change in Notion, sends its signed event, and returns the check that its effect arrived. */
async function fire(kind: Kind): Promise<{ kind: Kind; latency: Promise<number | undefined> }> {
  const s = sim();
  let pageId: string;
  let arrived: () => boolean;
  if (kind === 'page.properties_updated') {
    pageId = s.pageIds[nextUpdate++ % 10] as string;
    const seats = nextSeats++;
    s.notion.updatePage(pageId, { Seats: seats });
    const email = emailOf(pageId);
    arrived = () => s.brevo.getContact(email)?.attributes.SEATS === seats;
  } else if (kind === 'page.created' || kind === 'page.moved') {
    const row = sandboxRow(nextRow++);
    // A page moved into the database keeps the last_edited_time it had: hours before the cursor.
    const page = s.notion.addPage(s.dataSourceId, {
      properties: row,
      ...(kind === 'page.moved' ? { createdTime: Date.now() - 6 * 3_600_000 } : {}),
    });
    pageId = page.id;
    arrived = () => inList(row.Email as string);
  } else if (kind === 'page.deleted') {
    pageId = s.pageIds[nextDelete++] as string;
    s.notion.trashPage(pageId);
    const email = emailOf(pageId);
    arrived = () => !inList(email);
  } else {
    pageId = s.pageIds[nextUndelete++] as string;
    s.notion.restorePage(pageId);
    const email = emailOf(pageId);
    arrived = () => inList(email);
  }
  const payload = sender.payload(
    {
      type: kind,
      entity: { id: pageId, type: 'page' },
      data: {
        parent: { id: SANDBOX_DATABASE_ID, type: 'database', data_source_id: s.dataSourceId },
        ...(kind === 'page.properties_updated' ? { updated_properties: ['Seats'] } : {}),
      },
    },
    1,
    randomUUID(),
    new Date().toISOString(),
  );
  const body = JSON.stringify(payload);
  const res = await fetch(`${stack.url}/webhooks/notion/default`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-notion-signature': signWebhookBody(body, sender.verificationToken),
    },
    body,
  });
  // Answered at once: accepted (a page event Tajo acts on), not ignored.
  expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { accepted: 1 } });
  return { kind, latency: watch(kind, Date.now(), arrived) };
}

/** Waits (at most 30 s from each event's answer) for every effect; records each latency. Returns the ones that never arrived. */
async function settle(events: Awaited<ReturnType<typeof fire>>[]): Promise<string[]> {
  const missed = await Promise.all(events.map(async (e) => ((await e.latency) === undefined ? e.kind : undefined)));
  return missed.filter((k) => k !== undefined);
}

/** Watches for the effect from the moment the event was answered (so an early event's latency is its own). */
async function watch(kind: Kind, sentAt: number, arrived: () => boolean): Promise<number | undefined> {
  while (Date.now() - sentAt < 30_000) {
    if (arrived()) {
      const ms = Date.now() - sentAt;
      latencies[kind] = [...(latencies[kind] ?? []), ms];
      return ms;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

const p95 = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.ceil(0.95 * ms.length) - 1] as number;

test('a sequence of every page event type, 0.1–3 s apart: each reaches Brevo', async () => {
  const kinds: Kind[] = [
    'page.properties_updated',
    'page.deleted',
    'page.properties_updated',
    'page.created',
    'page.undeleted',
    'page.properties_updated',
    'page.moved',
    'page.deleted',
    'page.properties_updated',
    'page.created',
    'page.undeleted',
    'page.properties_updated',
  ];
  const spacings = [100, 3000, 500, 2000, 1000, 100, 2500, 300, 1500, 100, 800];
  const events = [];
  for (const [i, kind] of kinds.entries()) {
    events.push(await fire(kind));
    if (i < spacings.length) await new Promise((r) => setTimeout(r, spacings[i]));
  }
  expect(await settle(events)).toEqual([]);
});

test('bursts: ten events at once, twice, each reaches Brevo', async () => {
  for (let round = 0; round < 2; round++) {
    const kinds: Kind[] = [
      'page.properties_updated',
      'page.properties_updated',
      'page.created',
      'page.deleted',
      'page.properties_updated',
      'page.moved',
      'page.deleted',
      'page.undeleted',
      'page.properties_updated',
      'page.created',
    ];
    const events = await Promise.all(kinds.map((k) => fire(k)));
    expect(await settle(events)).toEqual([]);
  }
});

test('p95 from the webhook answer to the Brevo effect is under 10 s for each event type', () => {
  const all = Object.values(latencies).flat();
  expect(all.length).toBeGreaterThanOrEqual(30);
  for (const ms of Object.values(latencies)) expect(p95(ms)).toBeLessThan(10_000);
});
