/**
 * Orders seen per contact: an abandoned cart is notified only if its contact has not ordered since
 * it was abandoned (the check runs when the cart's delay is over).
 */
export interface OrderLedger {
  recordOrder(tenantId: string, email: string, at: string): Promise<void>;
  /** The latest order time recorded for the contact, if any. */
  lastOrderAt(tenantId: string, email: string): Promise<string | undefined>;
}

/**
 * Carts seen (the abandoned-cart skill): a cart is notified only if it was not completed and no
 * later update of it started a timer of its own.
 */
export interface CartLedger {
  /**
   * A cart seen at `at` (its latest update is kept), completed at `completedAt` when it was. `cartId`
   * is the connector's and the platform's (`shopify:<token>`): ids of two platforms never meet.
   */
  recordCart(tenantId: string, cartId: string, at: string, completedAt?: string): Promise<void>;
  /** The cart's latest update and its completion, as recorded. */
  cartState(tenantId: string, cartId: string): Promise<{ lastSeenAt?: string; completedAt?: string }>;
}
