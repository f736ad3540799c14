/**
 * The mapping of a database synced without being configured (the SDK's scoped sync of a database
 * outside connectors.notion.databases, into its targetList), read from the database's own schema:
 * the email (the first `email` property, else a text property named Email or E-mail) keys the
 * contact, the title splits into FIRSTNAME and LASTNAME as a person's name does in the users syncs
 * (core/mapping/person-name.ts), and properties named like a Brevo attribute fill it (the inferred
 * mapping's rule). No I/O; the run's summary says what it chose (describeDefaultMapping).
 */
import type { BrevoAttribute } from '../../../core/mapping/types';
import type { SchemaProperty } from '../client';
import { inferMapping, type MappingPlan } from './mapping-plan';

/** Property types whose value reads as one text, so an email written in them can key the contact. */
const TEXT_TYPES = ['rich_text', 'url', 'title'];
const EMAIL_NAMES = ['EMAIL', 'EMAILADDRESS'];

export interface DefaultMapping {
  /** Property → target, as a written field_mapping would say it. */
  entries: Record<string, { type: string; target: string }>;
  /** The title property whose value splits into FIRSTNAME / LASTNAME (absent: not mapped so). */
  nameFrom?: string;
}

export function defaultMapping(schema: Record<string, SchemaProperty>, attributes: BrevoAttribute[]): DefaultMapping {
  const entries = inferMapping(schema, attributes);
  const targets = () => Object.values(entries).map((e) => e.target.toUpperCase());
  if (!targets().includes('EMAIL')) {
    const norm = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '');
    const named = Object.entries(schema).find(([n, p]) => EMAIL_NAMES.includes(norm(n)) && TEXT_TYPES.includes(p.type));
    if (named) entries[named[0]] = { type: named[1].type, target: 'EMAIL' };
  }
  const title = Object.entries(schema).find(([, p]) => p.type === 'title')?.[0];
  const named = attributes.map((a) => a.name.toUpperCase());
  const free = ['FIRSTNAME', 'LASTNAME'].every((t) => named.includes(t) && !targets().includes(t));
  return { entries, ...(title !== undefined && entries[title] === undefined && free ? { nameFrom: title } : {}) };
}

/** One line for the run's warnings: which database was read with which default mapping, and how to choose. */
export function describeDefaultMapping(title: string, plan: Pick<MappingPlan, 'fields'>): string {
  const parts: string[] = [];
  for (const f of plan.fields) {
    if (f.part === 'last') continue;
    const target = f.part === 'first' ? 'FIRSTNAME/LASTNAME (split)' : f.identifier === 'EMAIL' ? 'email' : f.target;
    parts.push(`${f.property} → ${target}`);
  }
  return (
    `database "${title}" is not in connectors.notion.databases: synced with the default mapping read from its schema ` +
    `(${parts.join(', ')}); add it there with a field_mapping to choose the attributes`
  );
}
