/**
 * Brevo's marketing contact webhooks, as the simulator sends them (brevo.md §8): a contact change
 * posts `contact_updated` with the changed attributes in `content`, a list addition posts
 * `list_addition` with `list_id`, both with `api_key_name` = the name of the API key that made the
 * change ("" for a change made in the UI), `date` as Brevo's zone-less `YYYY-MM-DD HH:mm:ss` and
 * `ts` in UTC seconds. Subscriptions come from `POST /v3/webhooks` (events contactUpdated,
 * listAddition); their `auth: {type: bearer, token}` is sent as an Authorization header. Only
 * 127.0.0.1 URLs are called; deliveries go out one at a time, in order, once each (Brevo's retries
 * are not simulated).
 */
import { isLoopbackUrl, type SimClock } from '../http-kit';
import type { SimWebhook } from './types';

export interface ContactWebhookDelivery {
  webhookId: number;
  url: string;
  payload: Record<string, unknown>;
  /** undefined while in flight; false when skipped (not loopback) or failed. */
  delivered?: boolean;
  status?: number;
  error?: string;
}

export interface ContactChange {
  email: string;
  contactId: number;
  /** Attributes whose value changed, with their new value (null when cleared). */
  content: Record<string, unknown>;
  /** Lists the contact was added to. */
  addedLists: number[];
  /** The API key's name, or "" for a change made in Brevo's UI. */
  apiKeyName: string;
}

/** `2026-11-22 10:00:05`: how Brevo writes `date` in contact webhooks (no zone). */
function brevoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export class ContactWebhookSender {
  readonly deliveries: ContactWebhookDelivery[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly webhooks: () => SimWebhook[],
    private readonly clock: SimClock,
    private readonly track: (p: Promise<void>) => void,
  ) {}

  /** Posts the webhooks one contact change calls for (nothing without a subscription). */
  changed(change: ContactChange): void {
    const now = this.clock.now();
    const base = {
      email: change.email,
      contact_id: change.contactId,
      ts: Math.floor(now / 1000),
      date: brevoDate(now),
    };
    const hooks = this.webhooks().filter((w) => w.type === 'marketing');
    for (const hook of hooks) {
      if (hook.events.includes('contactUpdated') && Object.keys(change.content).length > 0) {
        this.send(hook, {
          id: hook.id,
          event: 'contact_updated',
          ...base,
          content: Object.entries(change.content).map(([k, v]) => ({ [k]: v })),
          api_key_name: change.apiKeyName,
        });
      }
      if (hook.events.includes('listAddition') && change.addedLists.length > 0) {
        this.send(hook, {
          id: hook.id,
          event: 'list_addition',
          ...base,
          list_id: change.addedLists,
          api_key_name: change.apiKeyName,
        });
      }
    }
  }

  private send(hook: SimWebhook, payload: Record<string, unknown>): void {
    const record: ContactWebhookDelivery = { webhookId: hook.id, url: hook.url, payload };
    this.deliveries.push(record);
    if (!isLoopbackUrl(hook.url)) {
      record.delivered = false;
      record.error = 'skipped: the simulator only calls 127.0.0.1 URLs';
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const h of hook.headers ?? []) headers[h.key] = h.value;
    if (hook.auth?.type === 'bearer') headers.authorization = `Bearer ${hook.auth.token}`;
    const delivery = this.chain.then(async () => {
      try {
        const res = await fetch(hook.url, {
          method: 'POST',
          headers,
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        record.status = res.status;
        record.delivered = res.ok;
      } catch (e) {
        record.delivered = false;
        record.error = (e as Error).message;
      }
    });
    this.chain = delivery;
    this.track(delivery);
  }
}
