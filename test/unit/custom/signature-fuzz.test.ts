/**
 * Signature fuzz per scheme (hex + prefix + timestamp header, base64 over the body, Stripe-style
 * `t=..,v1=..` parts, sha1 and sha512): valid deliveries (random bytes, not only UTF-8) are
 * accepted; at least 1,000 forged, stale or tampered ones per scheme are refused, each with one line.
 * Seeded: a failure names its seed and case.
 */
import { createHmac } from 'node:crypto';
import { type Definition, normalizeDefinition } from '../../../shared/connectors/custom/definition/schema';
import { verifyDelivery } from '../../../shared/connectors/custom/signature';
import { type Prng, prng } from '../../support/prng';

const SECRET = 'whsec_fuzz_secret';
const NOW = Date.parse('2026-03-01T12:00:00Z');
const nowS = Math.floor(NOW / 1000);

interface Scheme {
  name: string;
  signature: Record<string, unknown>;
  /** Headers of a delivery of `body` at `ts` signed with `secret` (the MAC passed through `tamper`). */
  sign(body: Buffer, ts: number, secret: string, tamper?: (mac: Buffer) => Buffer): Record<string, string>;
  timestamped: boolean;
}

const mac = (alg: string, secret: string, data: Buffer, tamper: (m: Buffer) => Buffer = (m) => m) =>
  tamper(createHmac(alg, secret).update(data).digest());
const withTs = (ts: number, body: Buffer) => Buffer.concat([Buffer.from(`${ts}.`), body]);

const SCHEMES: Scheme[] = [
  {
    name: 'hex, prefix, timestamp header',
    signature: { header: 'X-Acme-Signature', prefix: 'sha256=', timestamp_header: 'X-Acme-Timestamp' },
    timestamped: true,
    sign: (body, ts, secret, tamper) => ({
      'x-acme-signature': `sha256=${mac('sha256', secret, withTs(ts, body), tamper).toString('hex')}`,
      'x-acme-timestamp': String(ts),
    }),
  },
  {
    name: 'base64 over the body',
    signature: { header: 'X-Shop-Hmac-Sha256', encoding: 'base64' },
    timestamped: false,
    sign: (body, _ts, secret, tamper) => ({
      'x-shop-hmac-sha256': mac('sha256', secret, body, tamper).toString('base64'),
    }),
  },
  {
    name: 'Stripe-style parts',
    signature: { header: 'Stripe-Signature', parts: { timestamp: 't', signature: 'v1' } },
    timestamped: true,
    sign: (body, ts, secret, tamper) => ({
      'stripe-signature': `t=${ts},v1=${mac('sha256', secret, withTs(ts, body), tamper).toString('hex')},v0=deadbeef`,
    }),
  },
  {
    name: 'sha1 hex',
    signature: { header: 'X-Hub-Signature', algorithm: 'sha1', prefix: 'sha1=' },
    timestamped: false,
    sign: (body, _ts, secret, tamper) => ({
      'x-hub-signature': `sha1=${mac('sha1', secret, body, tamper).toString('hex')}`,
    }),
  },
  {
    name: 'sha512 base64 with timestamp',
    signature: { header: 'X-Sig', algorithm: 'sha512', encoding: 'base64', timestamp_header: 'X-Ts', tolerance_s: 60 },
    timestamped: true,
    sign: (body, ts, secret, tamper) => ({
      'x-sig': mac('sha512', secret, withTs(ts, body), tamper).toString('base64'),
      'x-ts': String(ts),
    }),
  },
];

function definitionWith(signature: Record<string, unknown>): Definition {
  return normalizeDefinition({
    name: 'fuzzed',
    version: '1',
    auth: { type: 'none' },
    base_url: 'https://f.example',
    webhooks: { hook: '/hook' },
    signature,
  });
}

/** One forged, stale or tampered delivery derived from a valid one. */
function forge(
  r: Prng,
  scheme: Scheme,
  body: Buffer,
  ts: number,
): { what: string; body: Buffer; headers: Record<string, string> } {
  const valid = scheme.sign(body, ts, SECRET);
  const [sigHeader, sigValue] = Object.entries(valid)[0] as [string, string];
  const kinds = ['body', 'signature', 'secret', 'missing', 'truncated', 'extended', 'encoding', 'empty-body'];
  if (scheme.timestamped) kinds.push('stale-past', 'stale-future', 'ts-swapped', 'ts-missing');
  const kind = r.pick(kinds);
  switch (kind) {
    case 'body': {
      const tampered = Buffer.from(body.length > 0 ? body : Buffer.from([0]));
      const i = r.int(0, tampered.length - 1);
      tampered[i] = (tampered[i] ?? 0) ^ (1 << r.int(0, 7));
      return { what: kind, body: tampered, headers: valid };
    }
    case 'signature': {
      // One bit of the MAC flipped, in the scheme's own encoding.
      const flip = (m: Buffer) => {
        const out = Buffer.from(m);
        const i = r.int(0, out.length - 1);
        out[i] = (out[i] ?? 0) ^ (1 << r.int(0, 7));
        return out;
      };
      return { what: kind, body, headers: scheme.sign(body, ts, SECRET, flip) };
    }
    case 'secret':
      return { what: kind, body, headers: scheme.sign(body, ts, `${SECRET}x`) };
    case 'missing': {
      const { [sigHeader]: _dropped, ...rest } = valid;
      return { what: kind, body, headers: rest };
    }
    case 'truncated':
      return { what: kind, body, headers: scheme.sign(body, ts, SECRET, (m) => m.subarray(0, m.length - r.int(1, 8))) };
    case 'extended':
      return {
        what: kind,
        body,
        headers: scheme.sign(body, ts, SECRET, (m) => Buffer.concat([m, r.bytes(r.int(1, 4))])),
      };
    case 'encoding': {
      // The right MAC in the other encoding (or without its prefix) is not the scheme's signature.
      const swapped = Object.fromEntries(
        Object.entries(valid).map(([k, v]) =>
          k === sigHeader
            ? [k, v.replace(/[0-9a-f]{40,}/, (hex) => Buffer.from(hex, 'hex').toString('base64'))]
            : [k, v],
        ),
      );
      const changed =
        swapped[sigHeader] !== sigValue
          ? swapped
          : { ...valid, [sigHeader]: Buffer.from(sigValue, 'base64').toString('hex') };
      return { what: kind, body, headers: changed };
    }
    case 'empty-body':
      return { what: kind, body: Buffer.alloc(0), headers: body.length === 0 ? scheme.sign(body, ts, 'other') : valid };
    case 'stale-past':
      return { what: kind, body, headers: scheme.sign(body, ts - r.int(301, 10_000_000), SECRET) };
    case 'stale-future':
      return { what: kind, body, headers: scheme.sign(body, ts + r.int(301, 10_000_000), SECRET) };
    case 'ts-swapped': {
      const other = ts + r.int(1, 50);
      const resigned = scheme.sign(body, other, SECRET);
      // The timestamp moved without the signature following it.
      const headers = Object.fromEntries(
        Object.entries(resigned).map(([k, v]) => [
          k,
          k === sigHeader && !v.startsWith('t=') ? (valid[k] as string) : v,
        ]),
      );
      if (sigHeader === 'stripe-signature')
        headers[sigHeader] = (valid[sigHeader] as string).replace(`t=${ts}`, `t=${other}`);
      return { what: kind, body, headers };
    }
    default: {
      const headers = { ...valid };
      for (const k of Object.keys(headers)) if (k !== sigHeader) delete headers[k];
      if (sigHeader === 'stripe-signature') headers[sigHeader] = sigValue.replace(/t=\d+,/, '');
      return { what: 'ts-missing', body, headers };
    }
  }
}

describe.each(SCHEMES)('$name', (scheme) => {
  const definition = definitionWith(scheme.signature);
  const tolerance = definition.signature?.tolerance_s ?? 300;

  it('accepts valid deliveries (any bytes, the timestamp anywhere within the tolerance)', () => {
    const r = prng(1);
    for (let i = 0; i < 300; i += 1) {
      const body = r.bytes(r.int(0, 300));
      const ts = scheme.timestamped ? nowS + r.int(-tolerance + 1, tolerance - 1) : nowS;
      const verdict = verifyDelivery({
        definition,
        headers: scheme.sign(body, ts, SECRET),
        rawBody: body,
        secret: SECRET,
        nowMs: NOW,
      });
      expect({ i, verdict }).toEqual({ i, verdict: { ok: true } });
    }
  });

  it('refuses 1,200 forged, stale or tampered deliveries, each with one line', () => {
    const r = prng(2);
    const kinds = new Map<string, number>();
    for (let i = 0; i < 1200; i += 1) {
      const body = r.bytes(r.int(1, 300));
      const ts = nowS + (scheme.timestamped ? r.int(-200, 200) : 0);
      const forged = forge(r, scheme, body, ts);
      const verdict = verifyDelivery({
        definition,
        headers: forged.headers,
        rawBody: forged.body,
        secret: SECRET,
        nowMs: NOW,
      });
      if (verdict.ok) throw new Error(`seed 2, case ${i} (${forged.what}) was accepted`);
      expect(verdict.reason).not.toContain('\n');
      expect(verdict.reason).not.toContain(SECRET);
      kinds.set(forged.what, (kinds.get(forged.what) ?? 0) + 1);
    }
    // Every kind of forgery was tried.
    expect(kinds.size).toBe(scheme.timestamped ? 12 : 8);
  });
});

describe('refusals', () => {
  const acme = definitionWith(SCHEMES[0]?.signature ?? {});
  const body = Buffer.from('{"id":1}');
  const headers = SCHEMES[0]?.sign(body, nowS, SECRET) ?? {};

  it('say what is wrong in one line', () => {
    const check = (h: Record<string, string>, b: Buffer | string = body, ...secret: [string?]) =>
      verifyDelivery({
        definition: acme,
        headers: h,
        rawBody: b,
        secret: secret.length > 0 ? secret[0] : SECRET,
        nowMs: NOW,
      });
    expect(check({})).toEqual({ ok: false, reason: 'X-Acme-Signature is missing' });
    expect(check({ ...headers, 'x-acme-timestamp': '' })).toEqual({ ok: false, reason: 'X-Acme-Timestamp is missing' });
    expect(check({ ...headers, 'x-acme-timestamp': '1e9' })).toEqual({
      ok: false,
      reason: 'X-Acme-Timestamp is not a timestamp in seconds',
    });
    expect(check(SCHEMES[0]?.sign(body, nowS - 301, SECRET) ?? {})).toEqual({
      ok: false,
      reason: 'X-Acme-Timestamp is outside the 300 s tolerance (replayed or clock skew)',
    });
    expect(check(headers, Buffer.from('{"id":2}'))).toEqual({ ok: false, reason: 'X-Acme-Signature does not match' });
    expect(check(headers, body, undefined)).toEqual({
      ok: false,
      reason: 'connectors.fuzzed.webhook_secret is not set: deliveries cannot be verified',
    });
    expect(check(headers, body.toString('utf8'))).toEqual({ ok: true });
  });

  it('a definition without a signature block has every delivery refused', () => {
    const unsigned = normalizeDefinition({ name: 'open', version: '1', auth: { type: 'none' }, webhooks: { a: '/a' } });
    expect(verifyDelivery({ definition: unsigned, headers: {}, rawBody: body, secret: SECRET, nowMs: NOW })).toEqual({
      ok: false,
      reason: "open's definition declares no signature scheme: add a signature block",
    });
  });

  it('reads headers from a fetch Headers too, names case-insensitive', () => {
    const h = new Headers(headers);
    expect(verifyDelivery({ definition: acme, headers: h, rawBody: body, secret: SECRET, nowMs: NOW })).toEqual({
      ok: true,
    });
  });
});
