/**
 * Platform webhook deliveries processed, per tenant and connector: a platform retries a delivery it
 * thinks failed (Shopify for 4 hours, Stripe for 3 days: docs/reference/platforms.md), long after SQS's 5-minute deduplication
 * window, so the worker claims a delivery's id here before writing it to Brevo and marks it done
 * after. A claim is a lease: a worker that dies mid-write leaves a claim that lapses, and the
 * platform's (or the lane's) next try runs it; a write that fails releases its claim at once.
 */
export type DeliveryClaim =
  /** This caller holds the delivery: write it, then completeDelivery (or releaseDelivery on failure). */
  | 'claimed'
  /** Written before (within the ledger's retention): nothing to do. */
  | 'done'
  /** Another worker holds a live claim: try again after its lease. */
  | 'busy';

export interface DeliveryLedger {
  claimDelivery(tenantId: string, connector: string, deliveryId: string, leaseSeconds: number): Promise<DeliveryClaim>;
  /** The delivery was written: a later copy of it is 'done' for `retainSeconds`. */
  completeDelivery(tenantId: string, connector: string, deliveryId: string, retainSeconds: number): Promise<void>;
  /** The write failed: the claim is dropped so the next try runs it. */
  releaseDelivery(tenantId: string, connector: string, deliveryId: string): Promise<void>;
}
