/** Brevo simulator, webhooks: create with the event types each webhook type allows (at most 40). */

import type { SimResponse } from '../../http-kit';
import { err, isPlainObject } from '../model';
import type { SimWebhook } from '../types';
import { CampaignsApi } from './campaigns';

const MAX_WEBHOOKS = 40;

const WEBHOOK_EVENTS: Record<SimWebhook['type'], readonly string[]> = {
  marketing: [
    'spam',
    'opened',
    'click',
    'hardBounce',
    'softBounce',
    'unsubscribed',
    'listAddition',
    'delivered',
    'contactUpdated',
    'contactDeleted',
  ],
  transactional: [
    'sent',
    'request',
    'delivered',
    'hardBounce',
    'softBounce',
    'blocked',
    'spam',
    'invalid',
    'deferred',
    'click',
    'opened',
    'uniqueOpened',
    'unsubscribed',
  ],
  inbound: ['inboundEmailProcessed'],
};

export abstract class WebhooksApi extends CampaignsApi {
  protected createWebhook(b: Record<string, unknown>): SimResponse {
    if (typeof b.url !== 'string' || !URL.canParse(b.url) || !/^https?:/.test(b.url)) {
      throw err(400, 'invalid_parameter', 'url must be an http(s) URL');
    }
    const type = (b.type ?? 'transactional') as SimWebhook['type'];
    if (!(type in WEBHOOK_EVENTS))
      throw err(400, 'invalid_parameter', 'type must be transactional, marketing or inbound');
    const channel = (b.channel ?? 'email') as SimWebhook['channel'];
    if (channel !== 'email' && channel !== 'sms') throw err(400, 'invalid_parameter', 'channel must be email or sms');
    const events = b.events;
    if (!Array.isArray(events) || events.length === 0) throw err(400, 'missing_parameter', 'events is missing');
    const allowed = WEBHOOK_EVENTS[type];
    const bad = events.find((e) => typeof e !== 'string' || (channel === 'email' && !allowed.includes(e)));
    if (bad !== undefined) throw err(400, 'invalid_parameter', `Invalid event ${String(bad)} for ${type} webhooks`);
    if (this.webhookMap.size >= MAX_WEBHOOKS) {
      throw err(400, 'out_of_range', `An account can have at most ${MAX_WEBHOOKS} webhooks`);
    }
    const hook: SimWebhook = {
      id: this.nextWebhookId++,
      url: b.url,
      events: events as string[],
      type,
      channel,
      createdAt: this.iso(),
    };
    if (typeof b.description === 'string') hook.description = b.description;
    if (b.auth !== undefined) {
      const auth = b.auth as { type?: unknown; token?: unknown };
      if (!isPlainObject(b.auth) || auth.type !== 'bearer' || typeof auth.token !== 'string' || auth.token === '') {
        throw err(400, 'invalid_parameter', 'auth must be {type: "bearer", token}');
      }
      hook.auth = { type: 'bearer', token: auth.token };
    }
    if (b.headers !== undefined) {
      const headers = b.headers;
      if (
        !Array.isArray(headers) ||
        !headers.every((h) => isPlainObject(h) && typeof h.key === 'string' && typeof h.value === 'string')
      ) {
        throw err(400, 'invalid_parameter', 'headers must be an array of {key, value}');
      }
      hook.headers = headers.map((h) => ({ key: String(h.key), value: String(h.value) }));
    }
    this.webhookMap.set(hook.id, hook);
    return { status: 201, body: { id: hook.id } };
  }
}
