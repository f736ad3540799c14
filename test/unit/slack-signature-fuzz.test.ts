/**
 * Generated requests against verifySlackSignature. Everything comes from one seeded PRNG, so a run
 * is reproducible; nothing is measured by time. Each case says how it must be answered: the
 * control group must verify, every other category must be refused (with the status the module
 * documents: 400 malformed, 401 not authentic / not fresh), and no input may make it throw.
 */
import { createHmac } from 'node:crypto';
import {
  rawBodyOf,
  type SlackRequestParts,
  type SlackVerification,
  signSlackRequest,
  verifySlackSignature,
} from '../../shared/connectors/slack/signature';
import { prng } from '../support/prng';

const SEED = 0x5eed_51ac;
const TOLERANCE = 300;

const R = prng(SEED);

const WORDS = ['hello', 'café 🎉', 'naïve', 'Grüße', '日本語', 'emoji 🚀🔥', 'a&b=c', '"quoted"', 'line\nbreak', ''];

/** At least 16 characters, so that the leak check below cannot match a secret by chance. */
function randomSecret(): string {
  return R.pick([
    () => R.hex(32),
    () => R.hex(R.int(16, 80)),
    () => `sëcret-${R.hex(8)}-🔑`, // not ASCII: the key is the UTF-8 bytes
    () => R.bytes(R.int(12, 48)).toString('base64'),
  ])();
}

/** Bodies of the shapes Slack sends (form, JSON with non-ASCII text) plus arbitrary bytes. */
function randomBody(): Buffer {
  return R.pick([
    () =>
      Buffer.from(
        `token=${R.hex(24)}&team_id=T${R.hex(8).toUpperCase()}&command=%2F${R.hex(5)}&text=${encodeURIComponent(R.pick(WORDS))}`,
        'utf8',
      ),
    () =>
      Buffer.from(
        JSON.stringify({
          type: 'event_callback',
          event_id: `Ev${R.hex(10)}`,
          event: { type: 'message', text: `${R.pick(WORDS)} ${R.pick(WORDS)}` },
        }),
        'utf8',
      ),
    () => Buffer.from(`payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', v: R.pick(WORDS) }))}`),
    () => R.bytes(R.int(1, 300)), // not valid UTF-8 in general
  ])();
}

function randomNameCase(name: string): string {
  return R.pick([
    () => name,
    () => name.toUpperCase(),
    () => name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()),
    () =>
      name
        .split('')
        .map((c) => (R.next() < 0.5 ? c.toUpperCase() : c))
        .join(''),
  ])();
}

function headersOf(sig: string | undefined, ts: string | undefined): Record<string, string | undefined> {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    [randomNameCase('x-slack-signature')]: sig,
    [randomNameCase('x-slack-request-timestamp')]: ts,
  };
}

/** A genuine request as Slack would send it, and a clock inside the window. */
interface Genuine {
  secret: string;
  body: Buffer;
  ts: number;
  sig: string;
  nowMs: number;
}

function genuine(): Genuine {
  const secret = randomSecret();
  const body = randomBody();
  const ts = R.int(1_500_000_000, 2_000_000_000);
  return { secret, body, ts, sig: signSlackRequest(body, secret, ts), nowMs: ts * 1000 + R.int(-60_000, 60_000) };
}

interface Case {
  category: string;
  kind: string;
  req: SlackRequestParts;
  secret: string;
  nowMs: number;
  /** true: must verify; 400/401: must be refused with this status. */
  expect: true | 400 | 401;
  /** Must never show up in a reason. */
  expectedSig?: string;
}

function make(
  category: string,
  kind: string,
  g: Genuine,
  over: { body?: Buffer; sig?: string | undefined; ts?: string | undefined; nowMs?: number; secret?: string },
  expect: Case['expect'],
): Case {
  const sig = 'sig' in over ? over.sig : g.sig;
  const ts = 'ts' in over ? over.ts : String(g.ts);
  return {
    category,
    kind,
    req: { rawBody: over.body ?? g.body, headers: headersOf(sig, ts) },
    secret: over.secret ?? g.secret,
    nowMs: over.nowMs ?? g.nowMs,
    expect,
    expectedSig: g.sig,
  };
}

const different = <T>(gen: () => T, not: T, eq: (a: T, b: T) => boolean = (a, b) => a === b): T => {
  for (;;) {
    const v = gen();
    if (!eq(v, not)) return v;
  }
};
const sameBytes = (a: Buffer, b: Buffer) => a.equals(b);

function times(n: number, f: () => Case): Case[] {
  return Array.from({ length: n }, f);
}

// ---- control: must all verify -------------------------------------------------------------
const control: Case[] = [
  ...times(100, () => {
    const g = genuine();
    return make('control', 'direct, skew within ±300 s', g, { nowMs: g.ts * 1000 + R.int(-300_000, 300_000) }, true);
  }),
  ...times(60, () => {
    // Through API Gateway: body base64-encoded, decoded back by rawBodyOf.
    const g = genuine();
    const body = rawBodyOf({ body: g.body.toString('base64'), isBase64Encoded: true });
    return make('control', 'via base64 event body', g, { body }, true);
  }),
  ...times(40, () => {
    const g = genuine();
    return make(
      'control',
      'exactly at the window edge',
      g,
      { nowMs: (g.ts + R.pick([-TOLERANCE, TOLERANCE])) * 1000 },
      true,
    );
  }),
];

// ---- refused categories -------------------------------------------------------------------
const forged: Case[] = [
  ...times(100, () => make('forged', 'random hex', genuine(), { sig: `v0=${R.hex(64)}` }, 401)),
  ...times(100, () => {
    const g = genuine();
    const other = different(randomSecret, g.secret);
    return make('forged', 'signed with another secret', g, { sig: signSlackRequest(g.body, other, g.ts) }, 401);
  }),
  ...times(100, () => {
    const g = genuine();
    const other = different(randomBody, g.body, sameBytes);
    return make('forged', 'signature of another body', g, { sig: signSlackRequest(other, g.secret, g.ts) }, 401);
  }),
  ...times(100, () => {
    const g = genuine();
    const other = different(() => g.ts + R.int(-10_000, 10_000), g.ts);
    return make('forged', 'signature of another timestamp', g, { sig: signSlackRequest(g.body, g.secret, other) }, 401);
  }),
];

const stale: Case[] = times(150, () => {
  const g = genuine();
  // Correctly signed, but older than 5 minutes by 1..10^6 s (plus a few ms at the edge).
  const by = R.pick([() => R.int(1, 10), () => R.int(1, 1_000_000)])();
  return make('stale', 'older than 300 s', g, { nowMs: (g.ts + TOLERANCE + by) * 1000 + R.int(0, 999) }, 401);
});

const future: Case[] = times(150, () => {
  const g = genuine();
  const by = R.pick([() => R.int(301, 310), () => R.int(301, 1_000_000)])();
  return make('future', 'newer by 301..10^6 s', g, { nowMs: (g.ts - by) * 1000 - R.int(0, 999) }, 401);
});

const truncated: Case[] = [
  ...times(100, () => {
    const g = genuine();
    const len = R.int(0, g.sig.length - 1);
    const cut = g.sig.slice(0, len);
    // "" is a missing header and "v"/"v0" have no v<n>= prefix: malformed; "v0=…" short: bad signature.
    return make('truncated', 'signature cut', g, { sig: cut }, len < 3 ? 400 : 401);
  }),
  ...times(100, () => {
    const g = genuine();
    const n = R.int(1, g.body.length);
    return make('truncated', 'body cut after signing', g, { body: g.body.subarray(0, g.body.length - n) }, 401);
  }),
  ...times(100, () => {
    const g = genuine();
    const body = Buffer.from(g.body);
    const i = R.int(0, body.length - 1);
    body[i] = body[i]! ^ R.int(1, 255);
    return make('truncated', 'one body byte flipped', g, { body }, 401);
  }),
];

const hexOf = (sig: string) => sig.slice(3);
const withLetter = (g: Genuine) => /[a-f]/.test(hexOf(g.sig));

const malformed: Case[] = [
  ...times(60, () => {
    const g = genuine();
    const h = hexOf(g.sig);
    const [sig, status] = R.pick<[string, 400 | 401]>([
      [h, 400],
      [`sha256=${h}`, 400],
      [`V0=${h}`, 400],
      [`v0:${h}`, 400],
      [`v0 =${h}`, 400],
      [`=${h}`, 400],
      [`v1=${h}`, 401],
      [`v00=${h}`, 401],
      [`v2=${h}`, 401],
      [`v0=0x${h.slice(2)}`, 401],
      [`v0=${h}=`, 401],
      [`v0= ${h}`, 401],
      [`v0=${h}00`, 401],
      [`v0=${Buffer.from(h, 'hex').toString('base64')}`, 401],
      [`${g.sig},${g.sig}`, 401], // API Gateway joins repeated headers with commas
    ]);
    return make('malformed', 'wrong prefix or encoding', g, { sig }, status);
  }),
  ...times(60, () => {
    let g = genuine();
    while (!withLetter(g)) g = genuine();
    const h = hexOf(g.sig);
    const sig = R.pick([
      () => `v0=${h.toUpperCase()}`,
      () =>
        `v0=${h
          .split('')
          .map((c) => (R.next() < 0.5 ? c.toUpperCase() : c))
          .join('')}`,
    ])();
    // Ensure at least one letter really changed case.
    const s = sig === g.sig ? `v0=${h.toUpperCase()}` : sig;
    return make('malformed', 'uppercase/mixed-case hex (refused by decision)', g, { sig: s }, 401);
  }),
  ...times(60, () => {
    const g = genuine();
    const ts = R.pick([
      `${g.ts}.0`,
      `${g.ts}.${R.int(1, 999)}`,
      `0${g.ts}`,
      `-${g.ts}`,
      `+${g.ts}`,
      `${g.ts}000`.padEnd(16, '0'),
      `${g.ts}abc`,
      `${g.ts} ${g.ts}`,
      `${g.ts},${g.ts}`,
      `${(g.ts / 1e9).toFixed(9)}e9`,
      `0x${g.ts.toString(16)}`,
      'NaN',
      'Infinity',
      '١٥٣١٤٢٠٦١٨', // Arabic-Indic digits
    ]);
    return make('malformed', 'timestamp not an integer', g, { ts }, 400);
  }),
  ...times(40, () => {
    const g = genuine();
    const which = R.int(0, 3);
    if (which === 0) return make('malformed', 'header missing', g, { sig: undefined }, 400);
    if (which === 1) return make('malformed', 'header missing', g, { ts: undefined }, 400);
    if (which === 2) return make('malformed', 'header missing', g, { sig: '' }, 400);
    return make('malformed', 'header missing', g, { ts: ' \t ' }, 400);
  }),
  ...times(30, () => {
    // The same header under two spellings with different values.
    const g = genuine();
    const c = make('malformed', 'conflicting duplicate header', g, {}, 400);
    c.req.headers = {
      'x-slack-signature': g.sig,
      'X-Slack-Signature': `v0=${R.hex(64)}`,
      'x-slack-request-timestamp': String(g.ts),
    };
    return c;
  }),
  ...times(30, () => {
    // Inputs a typed caller cannot produce: the verifier must still answer, not throw.
    const g = genuine();
    const c = make('malformed', 'wrong runtime types', g, {}, 400);
    const hostile: unknown[] = [
      { rawBody: g.body.toString('utf8'), headers: c.req.headers },
      { rawBody: new Uint8Array(g.body), headers: c.req.headers },
      { rawBody: g.body, headers: null },
      { rawBody: g.body, headers: 'x-slack-signature' },
      { rawBody: g.body, headers: { 'x-slack-signature': [g.sig], 'x-slack-request-timestamp': g.ts } },
      { rawBody: undefined, headers: c.req.headers },
      null,
      undefined,
    ];
    c.req = R.pick(hostile) as SlackRequestParts;
    return c;
  }),
];

const replayed: Case[] = [
  ...times(100, () => {
    // A captured valid signature and timestamp, with the body swapped.
    const g = genuine();
    const body = different(randomBody, g.body, sameBytes);
    return make('replayed', 'valid signature, body changed', g, { body }, 401);
  }),
  ...times(100, () => {
    // A captured valid request whose timestamp is refreshed to get back inside the window.
    const g = genuine();
    const ts = different(() => g.ts + R.int(-TOLERANCE, TOLERANCE), g.ts);
    return make('replayed', 'valid signature, timestamp changed', g, { ts: String(ts), nowMs: ts * 1000 }, 401);
  }),
  ...times(50, () => {
    // The exact captured request, sent again after the window closed.
    const g = genuine();
    return make('replayed', 'exact replay after the window', g, { nowMs: (g.ts + R.int(301, 86_400)) * 1000 }, 401);
  }),
];

const refusedCategories = { forged, stale, future, truncated, malformed, replayed };
const allRefused = Object.values(refusedCategories).flat();

// ---- run everything once, without ever letting an exception escape --------------------------
type Outcome = { case: Case; result?: SlackVerification; thrown?: unknown };
const outcomes = new Map<Case, Outcome>();
for (const c of [...control, ...allRefused]) {
  try {
    outcomes.set(c, { case: c, result: verifySlackSignature(c.req, c.secret, c.nowMs) });
  } catch (thrown) {
    outcomes.set(c, { case: c, thrown });
  }
}

/** Compact descriptions of the cases that did not answer as expected (empty when all did). */
function failures(cases: Case[]): string[] {
  const out: string[] = [];
  for (const c of cases) {
    const o = outcomes.get(c)!;
    if (o.thrown !== undefined) out.push(`${c.kind}: threw ${String(o.thrown)}`);
    else if (c.expect === true && !o.result!.ok) out.push(`${c.kind}: refused (${o.result!.reason})`);
    else if (c.expect !== true && o.result!.ok) out.push(`${c.kind}: VERIFIED`);
    else if (c.expect !== true && !o.result!.ok && o.result!.status !== c.expect) {
      out.push(`${c.kind}: status ${o.result!.status}, expected ${c.expect} (${o.result!.reason})`);
    }
  }
  return out;
}

function countByKind(cases: Case[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of cases) counts[c.kind] = (counts[c.kind] ?? 0) + 1;
  return counts;
}

describe(`verifySlackSignature fuzz (seed 0x${SEED.toString(16)})`, () => {
  test(`control: all ${control.length} valid requests verify`, () => {
    expect(control.length).toBeGreaterThanOrEqual(100);
    expect(failures(control)).toEqual([]);
  });

  test('signSlackRequest agrees with a reference HMAC over the raw bytes for every control request', () => {
    const header = (c: Case, name: string) =>
      Object.entries(c.req.headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
    // Independent of the module: the key is the secret string (UTF-8), the message is bytes.
    const reference = (c: Case) =>
      `v0=${createHmac('sha256', c.secret)
        .update(Buffer.from(`v0:${header(c, 'x-slack-request-timestamp')}:`, 'utf8'))
        .update(c.req.rawBody)
        .digest('hex')}`;
    const wrong = control.filter((c) => header(c, 'x-slack-signature') !== reference(c));
    expect(wrong.map((c) => c.kind)).toEqual([]);
  });

  test.each(Object.entries(refusedCategories).map(([name, cases]) => [name, cases.length, cases] as const))(
    '%s: all %i requests are refused with the documented status',
    (_name, _n, cases) => {
      expect(failures(cases)).toEqual([]);
    },
  );

  test(`no input makes the verifier throw (${outcomes.size} calls)`, () => {
    const thrown = [...outcomes.values()].filter((o) => o.thrown !== undefined).map((o) => o.case.kind);
    expect(thrown).toEqual([]);
  });

  test('no reason contains the secret or the expected signature', () => {
    const leaks = [...outcomes.values()].filter((o) => {
      if (!o.result || o.result.ok) return false;
      const { reason } = o.result;
      const hex = o.case.expectedSig?.slice(3);
      return reason.includes(o.case.secret) || (hex !== undefined && reason.includes(hex));
    });
    expect(leaks.map((o) => o.case.kind)).toEqual([]);
  });

  test('summary: ≥ 1,000 refused requests across the categories, counts per kind', () => {
    const summary = Object.fromEntries(Object.entries(refusedCategories).map(([k, v]) => [k, countByKind(v)]));
    expect(allRefused.length).toBeGreaterThanOrEqual(1000);
    expect({ refused: allRefused.length, control: control.length }).toEqual({ refused: 1530, control: 200 });
    expect(summary).toMatchObject({
      forged: {
        'random hex': 100,
        'signed with another secret': 100,
        'signature of another body': 100,
        'signature of another timestamp': 100,
      },
      stale: { 'older than 300 s': 150 },
      future: { 'newer by 301..10^6 s': 150 },
      truncated: { 'signature cut': 100, 'body cut after signing': 100, 'one body byte flipped': 100 },
      replayed: {
        'valid signature, body changed': 100,
        'valid signature, timestamp changed': 100,
        'exact replay after the window': 50,
      },
    });
    expect(Object.values(summary.malformed!).reduce((a, b) => a + b, 0)).toBe(280);
  });

  test('the generator is deterministic: the same seed yields the same first requests', () => {
    const a = prng(SEED);
    const b = prng(SEED);
    expect(Array.from({ length: 8 }, () => a.hex(16))).toEqual(Array.from({ length: 8 }, () => b.hex(16)));
  });
});
