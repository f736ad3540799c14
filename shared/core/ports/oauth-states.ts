/** Pending OAuth installs (authorize URL issued, redirect not yet come back). */
import type { ConnectorName } from './connections';

/**
 * A pending OAuth install: created when a tenant admin asks for an authorize URL, consumed (once)
 * by the provider's redirect to the callback. Keyed by the tenant and a hash of the state, never
 * the state itself.
 */
export interface OAuthStateRecord {
  tenantId: string;
  connector: ConnectorName;
  /** sha256 (hex) of the state sent to the provider. */
  stateHash: string;
  /** The redirect_uri of the authorize URL: the token exchange must send the same one. */
  redirectUri: string;
  createdAt: string;
  /** After this instant the state is refused (10 minutes, like Slack's codes). */
  expiresAt: string;
  /**
   * A first connection's settings: the connector's config without its secrets (Slack: without the
   * workspace, which the install tells). Absent: the existing connection's settings are kept.
   */
  settings?: Record<string, unknown>;
  /** A first connection's Brevo key, already in the secret store. */
  brevoApiKeyRef?: string;
  /** A PKCE install's code verifier, in the secret store (never in the table): its reference. */
  codeVerifierRef?: string;
}

/** What using a state found: the pending install (now used), a state used before, or none. */
export type OAuthStateTake =
  | { outcome: 'taken'; record: OAuthStateRecord }
  | { outcome: 'used'; usedAt: string }
  | { outcome: 'unknown' };

export interface OAuthStateStore {
  putOAuthState(record: OAuthStateRecord): Promise<void>;
  /**
   * Marks the state used and returns what it held. Atomic: of two redirects carrying one state,
   * exactly one gets `taken`; the other (and any replay) gets `used`.
   */
  takeOAuthState(tenantId: string, stateHash: string, usedAt: string): Promise<OAuthStateTake>;
}
