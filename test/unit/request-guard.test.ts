import {
  BODY_LIMIT_BYTES,
  checkDeclaredLength,
  checkPathParameters,
  guardRequest,
  jsonTooDeep,
  MAX_JSON_DEPTH,
  refusalResponse,
} from '../../shared/core/http/request-guard';

test("a door's refusal is the API's refusal shape: one line and a code", () => {
  expect(JSON.parse(refusalResponse({ status: 413, error: 'too big' }).body)).toEqual({
    error: 'too big',
    code: 'payload_too_large',
  });
  expect(JSON.parse(refusalResponse({ status: 400, error: 'the body is not valid UTF-8' }).body)).toEqual({
    error: 'the body is not valid UTF-8',
    code: 'bad_request',
  });
});

describe('jsonTooDeep', () => {
  test('counts arrays and objects, not brackets inside strings or escaped quotes', () => {
    expect(jsonTooDeep('[[1]]', 2)).toBe(false);
    expect(jsonTooDeep('[[[1]]]', 2)).toBe(true);
    expect(jsonTooDeep('{"a":{"b":1}}', 2)).toBe(false);
    expect(jsonTooDeep(JSON.stringify({ s: '[[[[[[{{{{' }), 1)).toBe(false);
    expect(jsonTooDeep(JSON.stringify({ s: 'a\\"[[[[', t: '"' }), 1)).toBe(false);
    expect(jsonTooDeep(`{"s":"\\\\"}${'['.repeat(3)}`, 2)).toBe(true);
  });
  test('a 10,000-deep body is caught, a real payload is not', () => {
    expect(jsonTooDeep('['.repeat(10_000))).toBe(true);
    const nested = (n: number): unknown => (n === 0 ? 1 : { a: [nested(n - 1)] });
    expect(jsonTooDeep(JSON.stringify(nested(MAX_JSON_DEPTH / 2)))).toBe(false);
    expect(jsonTooDeep(JSON.stringify(nested(MAX_JSON_DEPTH / 2 + 1)))).toBe(true);
  });
});

describe('checkPathParameters', () => {
  test('tenant ids as tajo tenants create accepts them', () => {
    expect(checkPathParameters({ tenantId: 'acme-1' })).toBeUndefined();
    expect(checkPathParameters({ tenantId: 'a'.repeat(48) })).toBeUndefined();
    expect(checkPathParameters({ tenantId: 'a'.repeat(49) })).toMatch(/^tenant id "a{40}…" is not valid/);
    expect(checkPathParameters({ tenantId: 'a'.repeat(5_000) })?.length).toBeLessThan(200);
    for (const bad of ['Acme', '-x', '', 'a b', 'a/b', '__proto__'])
      expect(checkPathParameters({ tenantId: bad })).toBeDefined();
  });
  test('other ids: bounded, no control characters', () => {
    expect(checkPathParameters({ tenantId: 'acme', pageId: '1f0c5e3a-9b2d-4c6e-8f7a-1b2c3d4e5f60' })).toBeUndefined();
    expect(checkPathParameters({ tenantId: 'acme', pageId: 'x'.repeat(201) })).toMatch(/pageId/);
    expect(checkPathParameters({ tenantId: 'acme', importId: 'a\u0000b' })).toMatch(/control characters/);
  });
});

describe('guardRequest', () => {
  const ok = { pathParameters: { tenantId: 'acme' }, headers: { 'content-type': 'application/json' } };
  test('size: measured without decoding, base64 included; Content-Length over the limit refused unread', () => {
    expect(guardRequest({ ...ok, body: 'a'.repeat(BODY_LIMIT_BYTES) })).toBeUndefined();
    expect(guardRequest({ ...ok, body: 'a'.repeat(BODY_LIMIT_BYTES + 1) })?.status).toBe(413);
    const b64 = Buffer.alloc(BODY_LIMIT_BYTES + 1).toString('base64');
    expect(guardRequest({ ...ok, body: b64, isBase64Encoded: true })?.status).toBe(413);
    expect(checkDeclaredLength(String(6 * 1024 * 1024))?.status).toBe(413);
    expect(checkDeclaredLength('12')).toBeUndefined();
    expect(checkDeclaredLength('abc')).toBeUndefined();
  });
  test('invalid UTF-8 (bytes or lone surrogates) and deep nesting, in JSON and in form fields', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('base64');
    expect(guardRequest({ ...ok, body: bytes, isBase64Encoded: true })).toEqual({
      status: 400,
      error: 'the body is not valid UTF-8',
    });
    expect(guardRequest({ ...ok, body: '{"a":"\ud800"}' })?.status).toBe(400);
    expect(guardRequest({ ...ok, body: '['.repeat(100) })?.error).toMatch(/deeper than 64/);
    const form = { ...ok, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };
    expect(guardRequest({ ...form, body: `payload=${encodeURIComponent('['.repeat(100))}` })?.status).toBe(400);
    expect(
      guardRequest({ ...form, body: `payload=${encodeURIComponent('{"type":"block_actions"}')}` }),
    ).toBeUndefined();
    expect(guardRequest({ ...form, body: 'payload=%FF' })?.status).toBe(400);
  });
  test('a bad path id is refused before the body is looked at', () => {
    expect(guardRequest({ pathParameters: { tenantId: 'x'.repeat(5_000) }, body: '{}' })?.status).toBe(400);
  });
});
