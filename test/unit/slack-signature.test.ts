/**
 * shared/connectors/slack/signature.ts: Slack request signing (reference/slack.md §1). Slack's own
 * worked example is the anchor; the rest pins the decisions documented in the module header
 * (±5 min both ways, case-insensitive header names, raw bytes, lowercase hex, 400 vs 401).
 */

import {
  rawBodyOf,
  type SlackRequestParts,
  signSlackRequest,
  verifySlackSignature,
} from '../../shared/connectors/slack/signature';
import { ConfigError } from '../../shared/core/errors';

// Slack's documented test vector (api.slack.com/authentication/verifying-requests-from-slack).
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TS = 1531420618;
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const EXPECTED = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const at = (seconds: number) => (TS + seconds) * 1000;

function req(body: Buffer | string = BODY, signature = EXPECTED, timestamp = String(TS)): SlackRequestParts {
  return {
    rawBody: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
    headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
  };
}

function refusal(v: ReturnType<typeof verifySlackSignature>): { status: number; reason: string } {
  if (v.ok) throw new Error('expected a refusal, got ok');
  return { status: v.status, reason: v.reason };
}

describe("Slack's documented test vector", () => {
  test('signSlackRequest reproduces the expected signature', () => {
    expect(signSlackRequest(BODY, SECRET, TS)).toBe(EXPECTED);
    expect(signSlackRequest(Buffer.from(BODY), SECRET, TS)).toBe(EXPECTED);
  });

  test('verifies at timestamp + 60 s', () => {
    expect(verifySlackSignature(req(), SECRET, at(60))).toEqual({ ok: true, timestamp: TS });
  });

  test('the window is inclusive: ±300 s verify, with the default tolerance', () => {
    expect(verifySlackSignature(req(), SECRET, at(300)).ok).toBe(true);
    expect(verifySlackSignature(req(), SECRET, at(-300)).ok).toBe(true);
    expect(verifySlackSignature(req(), SECRET, at(0)).ok).toBe(true);
  });

  test('+301 s: stale → 401', () => {
    const r = refusal(verifySlackSignature(req(), SECRET, at(301)));
    expect(r.status).toBe(401);
    expect(r.reason).toMatch(/^stale/);
  });

  test('−301 s: from the future → 401 (Slack uses abs(); Bolt would accept this)', () => {
    const r = refusal(verifySlackSignature(req(), SECRET, at(-301)));
    expect(r.status).toBe(401);
    expect(r.reason).toMatch(/^future/);
  });

  test('a custom tolerance is honoured, sub-second skew included', () => {
    expect(verifySlackSignature(req(), SECRET, at(30), 30).ok).toBe(true);
    expect(verifySlackSignature(req(), SECRET, at(30) + 1, 30).ok).toBe(false);
    expect(verifySlackSignature(req(), SECRET, at(300) + 500).ok).toBe(false);
  });

  test('a wrong secret, a changed body or a changed timestamp → 401 mismatch', () => {
    expect(refusal(verifySlackSignature(req(), `${SECRET}x`, at(60)))).toEqual({
      status: 401,
      reason: 'signature mismatch',
    });
    expect(refusal(verifySlackSignature(req(`${BODY}&x=1`), SECRET, at(60))).status).toBe(401);
    expect(refusal(verifySlackSignature(req(BODY, EXPECTED, String(TS + 1)), SECRET, at(60))).status).toBe(401);
  });

  test('a reason never contains the secret or the expected signature', () => {
    const cases = [
      req(BODY, `v0=${'0'.repeat(64)}`),
      req(BODY, EXPECTED.toUpperCase()),
      req(BODY, EXPECTED.slice(0, 40)),
      req(`${BODY}!`),
    ];
    for (const c of cases) {
      const r = refusal(verifySlackSignature(c, SECRET, at(60)));
      expect(r.reason).not.toContain(SECRET);
      expect(r.reason).not.toContain(EXPECTED.slice(3));
    }
  });
});

describe('header names are case-insensitive', () => {
  test.each([
    ['x-slack-signature', 'x-slack-request-timestamp'],
    ['X-Slack-Signature', 'X-Slack-Request-Timestamp'],
    ['X-SLACK-SIGNATURE', 'X-SLACK-REQUEST-TIMESTAMP'],
    ['x-SlAcK-sIgNaTuRe', 'X-slack-REQUEST-timestamp'],
  ])('%s / %s', (sigName, tsName) => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', [sigName]: EXPECTED, [tsName]: String(TS) };
    expect(verifySlackSignature({ rawBody: Buffer.from(BODY), headers }, SECRET, at(60)).ok).toBe(true);
  });

  test('the same header under two spellings: equal values are fine, different values are malformed (400)', () => {
    const same = { 'x-slack-signature': EXPECTED, 'X-Slack-Signature': EXPECTED, 'x-slack-request-timestamp': `${TS}` };
    expect(verifySlackSignature({ rawBody: Buffer.from(BODY), headers: same }, SECRET, at(60)).ok).toBe(true);
    const differ = { ...same, 'X-Slack-Signature': `v0=${'0'.repeat(64)}` };
    expect(refusal(verifySlackSignature({ rawBody: Buffer.from(BODY), headers: differ }, SECRET, at(60))).status).toBe(
      400,
    );
  });

  test('surrounding optional whitespace in a value is not part of it', () => {
    expect(verifySlackSignature(req(BODY, ` ${EXPECTED}\t`, ` ${TS} `), SECRET, at(60)).ok).toBe(true);
  });
});

describe('raw bytes and API Gateway bodies', () => {
  const JSON_BODY = JSON.stringify({ type: 'event_callback', event: { type: 'message', text: 'café 🎉' } });

  test('the UTF-8 bytes of a non-ASCII body are what is signed (value computed independently with Python hmac)', () => {
    expect(signSlackRequest(JSON_BODY, SECRET, TS)).toBe(
      'v0=6b2a61c06750b4d12553511b928ce044dc69b5f18156959e9c042fd2eeba4e87',
    );
  });

  test('a base64-encoded UTF-8 JSON body with "café 🎉" verifies after rawBodyOf', () => {
    const sig = signSlackRequest(JSON_BODY, SECRET, TS);
    const event = { body: Buffer.from(JSON_BODY, 'utf8').toString('base64'), isBase64Encoded: true };
    const raw = rawBodyOf(event);
    expect(raw.equals(Buffer.from(JSON_BODY, 'utf8'))).toBe(true);
    expect(verifySlackSignature(req(raw, sig), SECRET, at(60)).ok).toBe(true);
  });

  test("Bolt's ascii decoding of the same body does not verify (bolt-js #971): why we keep bytes", () => {
    const sig = signSlackRequest(JSON_BODY, SECRET, TS);
    const b64 = Buffer.from(JSON_BODY, 'utf8').toString('base64');
    const mangled = Buffer.from(Buffer.from(b64, 'base64').toString('ascii'), 'utf8');
    expect(mangled.toString('utf8')).not.toBe(JSON_BODY);
    expect(refusal(verifySlackSignature(req(mangled, sig), SECRET, at(60))).status).toBe(401);
  });

  test('the documented form body, base64-encoded by API Gateway, verifies', () => {
    const raw = rawBodyOf({ body: Buffer.from(BODY).toString('base64'), isBase64Encoded: true });
    expect(verifySlackSignature(req(raw), SECRET, at(60)).ok).toBe(true);
  });

  test('a body that is not base64-encoded is taken as UTF-8', () => {
    const sig = signSlackRequest(JSON_BODY, SECRET, TS);
    const raw = rawBodyOf({ body: JSON_BODY, isBase64Encoded: false });
    expect(verifySlackSignature(req(raw, sig), SECRET, at(60)).ok).toBe(true);
    expect(rawBodyOf({ body: JSON_BODY }).equals(raw)).toBe(true);
  });

  test('a missing or null body is zero bytes, and an empty body can be signed and verified', () => {
    expect(rawBodyOf({}).length).toBe(0);
    expect(rawBodyOf({ body: null, isBase64Encoded: true }).length).toBe(0);
    const sig = signSlackRequest(Buffer.alloc(0), SECRET, TS);
    expect(verifySlackSignature(req(rawBodyOf({ body: '' }), sig), SECRET, at(60)).ok).toBe(true);
  });

  test('arbitrary non-UTF-8 bytes are signed as bytes', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x41]);
    const sig = signSlackRequest(bytes, SECRET, TS);
    const raw = rawBodyOf({ body: bytes.toString('base64'), isBase64Encoded: true });
    expect(verifySlackSignature(req(raw, sig), SECRET, at(60)).ok).toBe(true);
  });

  test('a body passed as a string instead of bytes is refused, not coerced', () => {
    const bad = { ...req(), rawBody: BODY } as unknown as SlackRequestParts;
    expect(refusal(verifySlackSignature(bad, SECRET, at(60))).status).toBe(400);
  });
});

describe('versions and hex', () => {
  test('a v1 signature is refused (401), even with the right hex', () => {
    const r = refusal(verifySlackSignature(req(BODY, EXPECTED.replace(/^v0/, 'v1')), SECRET, at(60)));
    expect(r.status).toBe(401);
    expect(r.reason).toMatch(/version v1/);
  });

  test('uppercase or mixed-case hex is refused (401): Slack sends lowercase, one spelling is valid', () => {
    const upper = `v0=${EXPECTED.slice(3).toUpperCase()}`;
    expect(refusal(verifySlackSignature(req(BODY, upper), SECRET, at(60))).status).toBe(401);
    const mixed = `v0=${EXPECTED.slice(3, 10).toUpperCase()}${EXPECTED.slice(10)}`;
    expect(refusal(verifySlackSignature(req(BODY, mixed), SECRET, at(60))).status).toBe(401);
  });

  test('a short or long signature is refused without throwing', () => {
    for (const sig of [EXPECTED.slice(0, -1), `${EXPECTED}0`, 'v0=', 'v0=ab', `${EXPECTED},${EXPECTED}`]) {
      expect(() => verifySlackSignature(req(BODY, sig), SECRET, at(60))).not.toThrow();
      expect(refusal(verifySlackSignature(req(BODY, sig), SECRET, at(60))).status).toBe(401);
    }
  });
});

describe('malformed requests → 400', () => {
  test.each([
    ['no signature header', { rawBody: Buffer.from(BODY), headers: { 'x-slack-request-timestamp': String(TS) } }],
    ['no timestamp header', { rawBody: Buffer.from(BODY), headers: { 'x-slack-signature': EXPECTED } }],
    [
      'headers present but undefined',
      {
        rawBody: Buffer.from(BODY),
        headers: { 'x-slack-signature': undefined, 'x-slack-request-timestamp': undefined },
      },
    ],
    ['empty signature header', req(BODY, '')],
    ['empty timestamp header', req(BODY, EXPECTED, '')],
    ['no headers at all', { rawBody: Buffer.from(BODY), headers: {} }],
  ])('%s', (_name, r) => {
    const v = refusal(verifySlackSignature(r, SECRET, at(60)));
    expect(v.status).toBe(400);
    expect(v.reason).toMatch(/^missing x-slack-/);
  });

  test.each([
    'abc',
    '1531420618.5',
    '1.531420618e9',
    '-1531420618',
    '+1531420618',
    '01531420618',
    '1531420618000000000',
    '1531 420618',
    '0x5b4777ca',
  ])('non-numeric or non-integer timestamp %p', (ts) => {
    const v = refusal(verifySlackSignature(req(BODY, EXPECTED, ts), SECRET, at(60)));
    expect(v.status).toBe(400);
    expect(v.reason).toMatch(/not an integer/);
  });

  test.each([
    'a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    'sha256=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    'V0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    'v0:a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    'v=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
  ])('a signature without a v<n>= prefix: %p', (sig) => {
    expect(refusal(verifySlackSignature(req(BODY, sig), SECRET, at(60))).status).toBe(400);
  });
});

describe('configuration errors throw', () => {
  test('an empty signing secret throws a ConfigError (verify and sign)', () => {
    expect(() => verifySlackSignature(req(), '', at(60))).toThrow(ConfigError);
    expect(() => signSlackRequest(BODY, '', TS)).toThrow(ConfigError);
  });

  test('a non-finite clock or a negative tolerance throws', () => {
    expect(() => verifySlackSignature(req(), SECRET, Number.NaN)).toThrow(TypeError);
    expect(() => verifySlackSignature(req(), SECRET, at(0), -1)).toThrow(TypeError);
  });

  test('signSlackRequest wants an integer timestamp', () => {
    expect(() => signSlackRequest(BODY, SECRET, 1.5)).toThrow(TypeError);
    expect(() => signSlackRequest(BODY, SECRET, -1)).toThrow(TypeError);
  });
});

describe('replay', () => {
  test('an exact replay inside the window verifies: deduplication is not this module’s job', () => {
    expect(verifySlackSignature(req(), SECRET, at(10)).ok).toBe(true);
    expect(verifySlackSignature(req(), SECRET, at(290)).ok).toBe(true);
  });
});
