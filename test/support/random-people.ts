/**
 * Random contact data for redaction tests: names, emails, phones, companies and order items made
 * of invented words (long enough that a log cannot contain one by chance), with accents, hyphens
 * and apostrophes as real names have. `personalValues` lists every form a value may take in a log.
 */
import type { Prng } from './prng';

export interface RandomPerson {
  firstName: string;
  lastName: string;
  email: string;
  /** International form, with spaces (`+33 6 12 34 56 78`). */
  phone: string;
  company: string;
  /** Product names of an order. */
  items: string[];
  /** A support ticket's subject. */
  subject: string;
}

const ONSETS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'tr', 'qu', 'ch'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'é', 'ö', 'y', 'ai', 'ou'];

/** An invented word of 3 to 4 syllables (8+ letters): not an English or French word, not an id. */
function word(r: Prng): string {
  let w = '';
  for (let i = r.int(3, 4); i > 0; i--) w += r.pick(ONSETS) + r.pick(VOWELS);
  return w + r.pick(['', 'n', 'x', 'k']);
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** The word without accents (an email's local part is ASCII). */
const ascii = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

export function randomPerson(r: Prng): RandomPerson {
  const first = cap(word(r));
  const last = r.pick([() => cap(word(r)), () => `${cap(word(r))}-${cap(word(r))}`, () => `O'${cap(word(r))}`])();
  return {
    firstName: first,
    lastName: last,
    email: `${ascii(first).toLowerCase()}.${r.hex(4)}@${ascii(word(r))}.example`,
    phone: `+33 6 ${Array.from({ length: 4 }, () => String(r.int(10, 99))).join(' ')}`,
    company: `${cap(word(r))} ${r.pick(['GmbH', 'SAS', 'Ltd', 'Inc.'])}`,
    items: Array.from({ length: r.int(1, 3) }, () => `${cap(word(r))} ${r.pick(['kettle', 'grinder', 'filter'])}`),
    subject: `Refund ${word(r)} ${word(r)}`,
  };
}

/**
 * Every personal value of a person as it may be written: as given, the phone without its
 * separators (Brevo's SMS form), each part of a name; the words made up for it (a company or an
 * item cut in two is still its words).
 */
export function personalValues(p: RandomPerson): string[] {
  const words = [p.firstName, p.lastName, p.company, ...p.items, p.subject]
    .flatMap((v) => v.split(/[\s'-]+/))
    .filter((w) => w.length >= 8);
  return [
    ...new Set([
      p.firstName,
      p.lastName,
      p.email,
      p.email.split('@')[0] as string,
      p.phone,
      p.phone.replace(/\D/g, ''),
      p.company,
      ...p.items,
      p.subject,
      ...words,
    ]),
  ];
}

/** The values of `people` found in `text` (none, when it is clean). */
export function leakedValues(text: string, people: readonly RandomPerson[]): string[] {
  return people.flatMap(personalValues).filter((v) => text.includes(v));
}
