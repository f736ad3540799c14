export { INVALID_TOKEN_BODY, THROTTLED_BODY } from './gateway';
export { MAX_LIMIT as SHOPIFY_MAX_LIMIT } from './listing';
export { ShopifySimulator } from './simulator';
export { SHOPIFY_SANDBOX_CLIENT_SECRET, SHOPIFY_SANDBOX_TOKEN } from './store';
export type * from './types';
export { SHOPIFY_SCOPES } from './types';
export { type ShopifyDeliveryInput, shopifyHmac, shopifyWebhookDelivery } from './webhooks';
