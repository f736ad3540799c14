/**
 * A Stripe event delivery built the way Stripe sends one: the event JSON as bytes and
 * `Stripe-Signature: t=<unix>,v1=<hex>` where v1 = HMAC-SHA256 over "{t}.{raw body}" keyed with the
 * endpoint's signing secret. `extraSignatures` adds more v1 entries (a secret being rolled).
 */
import { createHmac } from 'node:crypto';
import type { SignedDelivery } from '../platform-kit';

export interface StripeDeliveryInput {
  /** e.g. `checkout.session.completed`, `invoice.paid`, `customer.updated`. */
  type: string;
  /** The event's `data.object`. */
  object: unknown;
  /** The endpoint's signing secret (`whsec_...`). */
  secret: string;
  /** Unix seconds of the signature (`t`); now by default. */
  timestamp?: number;
  /** The event id: the same on every retry of one event. */
  eventId?: string;
  /** The event's `created`; the timestamp by default. */
  created?: number;
  /** Further secrets whose v1 signatures are added to the header (older secrets during a roll). */
  extraSignatures?: string[];
}

export function stripeSignature(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

export function stripeWebhookDelivery(input: StripeDeliveryInput): SignedDelivery {
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  const event = {
    id: input.eventId ?? `evt_${timestamp.toString(36)}${Math.random().toString(36).slice(2, 12)}`,
    object: 'event',
    api_version: '2025-07-30.basil',
    created: input.created ?? timestamp,
    type: input.type,
    data: { object: input.object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
  };
  const body = JSON.stringify(event);
  const signatures = [input.secret, ...(input.extraSignatures ?? [])].map(
    (secret) => `v1=${stripeSignature(secret, timestamp, body)}`,
  );
  return {
    body,
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': [`t=${timestamp}`, ...signatures].join(',') },
  };
}
