export { StripeError } from './gateway';
export { MAX_LIMIT as STRIPE_MAX_LIMIT, StripeSimulator } from './simulator';
export { STRIPE_SANDBOX_KEY, STRIPE_SANDBOX_WEBHOOK_SECRET } from './store';
export type * from './types';
export { type StripeDeliveryInput, stripeSignature, stripeWebhookDelivery } from './webhooks';
