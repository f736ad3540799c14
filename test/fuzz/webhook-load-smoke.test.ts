/**
 * The load figure's smoke (bench/webhook-load.ts measures 200/s for 60 s): 50 valid Brevo
 * webhooks/s for 5 s over real sockets, sent on schedule whatever the answers (open loop, as Brevo
 * sends). Every one is accepted, and every event is in the Slack lane exactly once (the lane's
 * worker is stopped, so the queue holds what the ingress queued). No timing is asserted.
 */
import { parseBrevoWebhook } from '../../shared/connectors/brevo/webhook-events';
import { listAddition, TS } from '../notifications/fixtures';
import type { SandboxStack } from '../support/sandbox-stack';
import { type Ctx, expectQueuedOnce, quiet, setUp } from './doors-cases';

const RATE = 50;
const SECONDS = 5;

let running: SandboxStack;
let ctx: Ctx;
let restore: () => void;

beforeAll(async () => {
  restore = quiet();
  ({ running, ctx } = await setUp(false, 'load'));
});
afterAll(async () => {
  await running?.stop();
  restore();
});

test(`${RATE} webhooks/s for ${SECONDS} s: all accepted, each event queued once`, async () => {
  const { stack } = ctx;
  const total = RATE * SECONDS;
  const t0 = Date.now();
  const answers: Promise<{ status: number; accepted: number }>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / RATE - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const payload = listAddition({ email: `smoke-${i}@example.com`, id: 7_000_000 + i, ts: TS + 30_000 + i });
    for (const e of parseBrevoWebhook(payload).events) ctx.brevoEvents.add(e.id);
    answers.push(
      fetch(`${stack.url}/webhooks/brevo/${stack.tenantId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.webhookToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      }).then(async (res) => ({
        status: res.status,
        accepted: ((await res.json()) as { accepted?: number }).accepted ?? 0,
      })),
    );
  }
  const results = await Promise.all(answers);
  expect(results.filter((r) => r.status !== 200 || r.accepted !== 1)).toEqual([]);
  expect(ctx.brevoEvents.size).toBe(total);
  await expectQueuedOnce(ctx);
});
