/**
 * Brevo's rate limits, shared by every client of one account in the process: contacts and events
 * share a pacer below Brevo's 10 req/s; every other endpoint (processes, campaigns, senders,
 * account) draws on the 100-per-hour budget.
 */
import type { Clock } from '../ports';
import { Pacer, WindowBudget } from '../ratelimit/pacer';

/** 10 req/s documented on contacts and events; 110 ms spacing leaves room for network jitter. */
export const BREVO_CONTACTS_INTERVAL_MS = 110;
/** "All other endpoints": 100 requests per hour on the general tier. */
export const BREVO_OTHER_PER_HOUR = 100;

export interface BrevoLimits {
  contacts: Pacer;
  other: WindowBudget;
}

/** One set of limits per Brevo account key hash, shared by everything in the process. */
const limitsByAccount = new Map<string, BrevoLimits>();
export function sharedBrevoLimits(accountKey: string, clock: Clock): BrevoLimits {
  let l = limitsByAccount.get(accountKey);
  if (!l) {
    l = {
      contacts: new Pacer(BREVO_CONTACTS_INTERVAL_MS, clock),
      other: new WindowBudget(BREVO_OTHER_PER_HOUR, 3_600_000, clock),
    };
    limitsByAccount.set(accountKey, l);
  }
  return l;
}

/** Contacts and events: paced at 10 req/s; any other path draws on the hourly budget. */
export function isPacedPath(path: string): boolean {
  return path.startsWith('/v3/contacts') || path.startsWith('/v3/events');
}
