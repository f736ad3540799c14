/** Masked personal values in reasons, and the time zone → calling code hint for local phone numbers. */
import { callingCodeForTimeZone, maskPersonal, normalizePhone } from '../../shared/core/mapping';

describe('maskPersonal', () => {
  test.each([
    ['06 23 85 26 63', '06 •• •• •• 63'],
    ['(212) 555-0142', '(21•) •••-••42'],
    ['+33612345678', '+33•••••••78'],
    ['ada.lovelace@example.com', 'a•••@example.com'],
    ['not-an-email', 'no•-••-•••il'],
    ['12', '••'],
    ['', ''],
  ])('%s → %s', (value, masked) => {
    expect(maskPersonal(value)).toBe(masked);
  });

  test('never shows more than four characters of a value', () => {
    for (const v of ['0623852663', 'call me maybe', '+1 (212) 555-0142 ext 12']) {
      const shown = [...maskPersonal(v)].filter((c) => /[\p{L}\p{N}]/u.test(c));
      expect(shown.length).toBeLessThanOrEqual(4);
    }
  });
});

describe('callingCodeForTimeZone', () => {
  test.each([
    ['Europe/Paris', '33'],
    ['America/New_York', '1'],
    ['America/Los_Angeles', '1'],
    ['Europe/London', '44'],
    ['Asia/Kolkata', '91'],
    ['Australia/Sydney', '61'],
  ])('%s suggests +%s', (tz, code) => {
    expect(callingCodeForTimeZone(tz)).toBe(code);
  });

  test.each([
    ['a zone shared by several countries', 'Asia/Bangkok'],
    ['UTC', 'Etc/UTC'],
    ['not a zone', 'Mars/Olympus'],
    ['a prototype key', 'constructor'],
    ['empty', ''],
    ['null', null],
    ['undefined', undefined],
  ])('%s suggests nothing', (_label, tz) => {
    expect(callingCodeForTimeZone(tz)).toBeUndefined();
  });

  test('the suggestion turns the issue’s local numbers into international ones', () => {
    expect(normalizePhone('06 23 85 26 63', callingCodeForTimeZone('Europe/Paris'))).toBe('+33623852663');
    expect(normalizePhone('(212) 555-0142', callingCodeForTimeZone('America/New_York'))).toBe('+12125550142');
    expect(normalizePhone('06 23 85 26 63', callingCodeForTimeZone('Etc/UTC'))).toBeUndefined();
  });
});
