/**
 * A Shopify webhook delivery built the way Shopify sends one: the JSON body as bytes, and
 * `X-Shopify-Hmac-Sha256` = base64 of HMAC-SHA256 over those bytes keyed with the app's client secret,
 * beside the topic, shop domain, webhook id (the same on every retry), event id, API version and
 * trigger time. Tests and the bench post it unchanged (platform-kit `postDelivery`).
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { SignedDelivery } from '../platform-kit';

export interface ShopifyDeliveryInput {
  /** e.g. `orders/create`, `customers/update`, `checkouts/create`. */
  topic: string;
  payload: unknown;
  /** The app's client secret (API secret key). */
  secret: string;
  shopDomain?: string;
  /** Keep it to model a retry of the same delivery; a fresh one otherwise. */
  webhookId?: string;
  apiVersion?: string;
  triggeredAt?: Date;
}

export function shopifyHmac(secret: string, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

export function shopifyWebhookDelivery(input: ShopifyDeliveryInput): SignedDelivery {
  const body = JSON.stringify(input.payload);
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-Shopify-Topic': input.topic,
      'X-Shopify-Hmac-Sha256': shopifyHmac(input.secret, body),
      'X-Shopify-Shop-Domain': input.shopDomain ?? 'sandbox-store.myshopify.com',
      'X-Shopify-Webhook-Id': input.webhookId ?? randomUUID(),
      'X-Shopify-Event-Id': randomUUID(),
      'X-Shopify-API-Version': input.apiVersion ?? '2025-07',
      'X-Shopify-Triggered-At': (input.triggeredAt ?? new Date()).toISOString(),
    },
  };
}
