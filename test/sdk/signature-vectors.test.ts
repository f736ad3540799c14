/**
 * The SDK's signature and the service's (shared/core/events/tenant-events.ts signatureHeader), on
 * the same vectors, both ways: fixed vectors computed with openssl (docs/events.md's recipe:
 * `printf '%s.' "$T" | cat - body.json | openssl dgst -sha256 -hmac "$SECRET" -hex`), a header the
 * service signs verified by the SDK, and one the SDK signs equal to the service's.
 */

import { signatureHeader as sdkSignature, TajoSignatureError } from '../../sdk/src';
import { verifySignature } from '../../sdk/src/signature';
import { signatureHeader as serviceSignature } from '../../shared/core/events/tenant-events';

const vectors = [
  {
    secret: 'whsec_test_vector',
    t: 1764928800,
    // Non-ASCII on purpose: the HMAC is over the UTF-8 bytes.
    body: '{"id":"evt_1","type":"contact.attribute_updated","createdAt":"2026-12-05T10:00:00.000Z","tenantId":"t_1","contact":{"email":"zoë@example.com","name":"Zoë"},"attribute":"LIFECYCLE_STAGE","value":"customer"}',
    v1: '96150bd23880ed9cf07a845a1ea96e3251a18f4ddf6c28705653502df56853e5',
  },
  {
    secret: 'whsec_empty',
    t: 1700000000,
    body: '',
    v1: 'c9cfe8f30ac5c22d43054561c8df0c592096606456179ac5e8eac4cbf85cc293',
  },
];

test.each(vectors)('vector t=$t: the service and the SDK both sign it as openssl does', ({ secret, t, body, v1 }) => {
  const expected = `t=${t},v1=${v1}`;
  expect(serviceSignature(secret, t, body)).toBe(expected);
  expect(sdkSignature(secret, body, t)).toBe(expected);
  // The raw bytes, as a receiver reads them, sign the same.
  expect(sdkSignature(secret, new TextEncoder().encode(body), t)).toBe(expected);
});

afterEach(() => jest.restoreAllMocks());

test('a delivery the service signs now is verified by the SDK; changed, re-timed or another secret is refused', () => {
  const { secret, body } = vectors[0] as (typeof vectors)[number];
  // One instant for the signer and the verifier: a second that ticks between them (a loaded
  // machine) must not turn "301 s old" into 302.
  jest.spyOn(Date, 'now').mockReturnValue(Date.now());
  const now = Math.floor(Date.now() / 1000);
  const header = serviceSignature(secret, now, body);
  expect(() => verifySignature(body, header, [secret])).not.toThrow();
  expect(() => verifySignature(Buffer.from(body, 'utf8'), header, ['whsec_old', secret])).not.toThrow();

  expect(() => verifySignature(body.replace('customer', 'Customer'), header, [secret])).toThrow(
    /does not match the body/,
  );
  expect(() => verifySignature(body, header, ['whsec_other'])).toThrow(TajoSignatureError);
  const stale = serviceSignature(secret, now - 301, body);
  expect(() => verifySignature(body, stale, [secret])).toThrow(/301 s old \(at most 300\)/);
  // The timestamp is signed: moving it breaks the signature.
  const moved = header.replace(`t=${now}`, `t=${now - 1}`);
  expect(() => verifySignature(body, moved, [secret])).toThrow(/does not match the body/);
});
