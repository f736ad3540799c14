/**
 * Orders seen per contact: an abandoned cart is notified only if its contact has not ordered since
 * it was abandoned (the check runs when the cart's delay is over).
 */
export interface OrderLedger {
  recordOrder(tenantId: string, email: string, at: string): Promise<void>;
  /** The latest order time recorded for the contact, if any. */
  lastOrderAt(tenantId: string, email: string): Promise<string | undefined>;
}
