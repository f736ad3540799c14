/**
 * Once-only markers with an expiry (webhook event ids, page events sent). `claim` is atomic: it
 * returns true for exactly one caller per key until the marker expires or is released.
 */
export interface MarkerStore {
  claimMarker(tenantId: string, key: string, ttlSeconds: number): Promise<boolean>;
  hasMarker(tenantId: string, key: string): Promise<boolean>;
  releaseMarker(tenantId: string, key: string): Promise<void>;
}
