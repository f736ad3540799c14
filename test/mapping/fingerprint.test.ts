import { fingerprint } from '../../shared/core/mapping';

describe('fingerprint', () => {
  const base = {
    FIRSTNAME: 'Ada',
    AGE: 36,
    OPTIN: true,
    TAGS: ['a', 'b'],
    TIER: 2,
    ADDR: { city: 'Paris', zip: '75007' },
  };

  test('is 32 lower-case hex characters', () => {
    expect(fingerprint(base)).toMatch(/^[0-9a-f]{32}$/);
  });

  test('is the sha256 of the canonical form', () => {
    // sha256('{"A":1}') = 52dddc1755a9b3acadf12eab7f2ac1eb564a55de3a33822fa369f59923dddefc
    expect(fingerprint({ A: 1 })).toBe('52dddc1755a9b3acadf12eab7f2ac1eb');
  });

  test('does not depend on key order, at any depth', () => {
    const reordered = {
      ADDR: { zip: '75007', city: 'Paris' },
      TIER: 2,
      TAGS: ['a', 'b'],
      OPTIN: true,
      AGE: 36,
      FIRSTNAME: 'Ada',
    };
    expect(fingerprint(reordered)).toBe(fingerprint(base));
  });

  test.each<[string, Record<string, unknown>]>([
    ['array order', { ...base, TAGS: ['b', 'a'] }],
    ['a changed value', { ...base, AGE: 37 }],
    ['number vs string', { ...base, AGE: '36' }],
    ['boolean vs string', { ...base, OPTIN: 'true' }],
    ['null vs absent', { ...base, LASTNAME: null }],
    ['a nested change', { ...base, ADDR: { city: 'Lyon', zip: '75007' } }],
    ['an extra key', { ...base, EXTRA: '' }],
  ])('changes with %s', (_label, other) => {
    expect(fingerprint(other)).not.toBe(fingerprint(base));
  });

  test('undefined values are the same as absent keys', () => {
    expect(fingerprint({ ...base, LASTNAME: undefined })).toBe(fingerprint(base));
  });

  test('key/value boundaries cannot collide', () => {
    expect(fingerprint({ a: 'b,"c":1' })).not.toBe(fingerprint({ a: 'b', c: 1 }));
  });

  test('rejects cycles', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => fingerprint(cyclic)).toThrow(TypeError);
  });
});
