/**
 * The pacer of one Notion integration's calls (Notion's average of 3 requests a second per
 * integration). With the tenant's call store, every caller takes its slot from one schedule
 * (SharedPacer): the lane's sync steps, the SDK's query and create in the API function, a
 * connection test and an import, whichever process or Lambda container they run in. Without one
 * (the CLI on its own), the process's pacer for the integration spaces its calls.
 */
import type { CallBudgetStore, Clock } from '../../../core/ports';
import { type CallPacer, sharedPacer } from '../../../core/ratelimit/pacer';
import { SharedPacer } from '../../../core/ratelimit/shared-pacer';
import { NOTION_INTERVAL_MS } from './gateway';

export function notionPacer(args: {
  /** The connection's integration key (a hash: stable across OAuth refreshes, never the token). */
  notionKey: string;
  clock: Clock;
  /** The tenant's call store: the schedule every process of the tenant's integration shares. */
  shared?: { store: CallBudgetStore; tenantId: string };
  /** The longest wait for a slot before a RateLimitedError (see SharedPacer). */
  maxWaitMs?: number;
}): CallPacer {
  const local = sharedPacer(args.notionKey, NOTION_INTERVAL_MS, args.clock);
  if (!args.shared) return local;
  return new SharedPacer({
    provider: 'notion',
    local,
    store: args.shared.store,
    tenantId: args.shared.tenantId,
    bucket: `notion:${args.notionKey}`,
    clock: args.clock,
    ...(args.maxWaitMs !== undefined ? { maxWaitMs: args.maxWaitMs } : {}),
  });
}
