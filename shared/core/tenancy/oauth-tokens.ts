/**
 * OAuth grants of connections and their refresh.
 *
 * An OAuth connection's token secret holds its grant as JSON: access token, refresh token, expiry
 * and a version bumped by every refresh (one secret, so access and refresh token change together).
 * The connection record keeps only the secret's reference and the install's metadata.
 *
 * Refresh tokens roll (Notion: the one sent is invalid afterwards; Slack rotation: revoked), so two
 * refreshers racing with the same refresh token would leave one of them, and maybe the connection,
 * with a dead grant. Refreshes are therefore single-flight:
 * - in a process, concurrent callers of one connection share one refresh;
 * - across processes (Lambdas), a lease in DynamoDB (a once-only marker keyed by the grant version
 *   being replaced) lets one process refresh; the others wait for the stored version to move on and
 *   read the new token (a fresh read, past the secret store's cache) instead of refreshing with a
 *   refresh token that no longer works.
 * A process that dies mid-refresh leaves its lease to expire (LEASE_SECONDS), then another takes it.
 */
import { z } from 'zod';
import type { RefreshedToken } from '../connector';
import { TajoError } from '../errors';
import { parseJsonAs } from '../json';
import type { Clock, ConnectionRecord, ConnectorName, MarkerStore, SecretStore } from '../ports';

export const oauthGrantSchema = z.object({
  kind: z.literal('oauth-grant'),
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).nullable(),
  /** Epoch ms after which the access token no longer works; absent when the provider gives none. */
  expires_at: z.number().optional(),
  /** Epoch ms the access token was obtained (its lifetime sets how early it is refreshed). */
  obtained_at: z.number().optional(),
  /** 1 for the install's grant, +1 per refresh. */
  version: z.number().int().min(1),
});
export type OAuthGrant = z.infer<typeof oauthGrantSchema>;

/** How long one process may hold the refresh of a grant (the token request times out in 20 s). */
export const LEASE_SECONDS = 30;
/**
 * Slack rotation: tokens that expire within this are refreshed before use (as @slack/oauth does).
 * A shorter-lived token is refreshed in the second half of its life instead (never on every use).
 */
export const REFRESH_AHEAD_MS = 2 * 3600_000;

/** Where a connection's OAuth grant lives in the secret store (one per tenant and connector). */
export function oauthGrantSecretName(tenantId: string, connector: ConnectorName): string {
  return `${tenantId}/${connector}-oauth-grant`;
}

/** Stores a connection's grant (the only place its tokens go); returns the secret's reference. */
export function putGrant(
  secrets: SecretStore,
  tenantId: string,
  connector: ConnectorName,
  grant: OAuthGrant,
): Promise<string> {
  return secrets.put(oauthGrantSecretName(tenantId, connector), encodeGrant(grant), { tenant: tenantId, connector });
}

export function encodeGrant(grant: OAuthGrant): string {
  return JSON.stringify(oauthGrantSchema.parse(grant));
}

export function decodeGrant(value: string): OAuthGrant {
  const parsed = parseJsonAs(oauthGrantSchema, value);
  // Never the value in the message: it is a token.
  if (!parsed.success) throw new TajoError('the stored OAuth grant is unreadable: connect again', 'oauth_grant');
  return parsed.data;
}

/** A new grant from a provider's token answer; `expiresInSeconds` counts from `now`. */
export function newGrant(
  answer: { accessToken: string; refreshToken: string | null; expiresInSeconds?: number },
  now: number,
  version: number,
): OAuthGrant {
  return {
    kind: 'oauth-grant',
    access_token: answer.accessToken,
    refresh_token: answer.refreshToken,
    ...(answer.expiresInSeconds ? { expires_at: now + answer.expiresInSeconds * 1000 } : {}),
    obtained_at: now,
    version,
  };
}

/** A provider's refresh: trades a refresh token for a new access token and refresh token. */
export type RefreshGrant = (connector: ConnectorName, refreshToken: string) => Promise<RefreshedToken>;

type OAuthConnection = Pick<ConnectionRecord<ConnectorName>, 'tenantId' | 'connector' | 'tokenRef' | 'oauth'>;

export interface OAuthTokensDeps {
  secrets: SecretStore;
  /** The cross-process lease. */
  markers: MarkerStore;
  clock: Clock;
  refresh: RefreshGrant;
  /** Pause between looks at a refresh another process holds. */
  waitStepMs?: number;
  /** How long a refresher's lease lasts (default LEASE_SECONDS). */
  leaseSeconds?: number;
  log?: (message: string, data: Record<string, unknown>) => void;
}

/**
 * The access tokens of connections, refreshed single-flight. One instance per process (a warm
 * Lambda container, the CLI): its in-flight map is what joins concurrent callers.
 */
export class OAuthTokens {
  private readonly inFlight = new Map<string, Promise<OAuthGrant>>();
  /** Refreshes this process made (token requests sent), for logs and tests. */
  refreshes = 0;

  constructor(private readonly deps: OAuthTokensDeps) {}

  /**
   * The token to call the provider with: a token connection's token, or an OAuth connection's
   * access token, refreshed first when it expires within REFRESH_AHEAD_MS.
   */
  async accessToken(conn: OAuthConnection): Promise<string> {
    const value = await this.deps.secrets.get(conn.tokenRef);
    if (!conn.oauth) return value;
    const grant = decodeGrant(value);
    if (!this.expiresSoon(grant)) return grant.access_token;
    return (await this.refreshed(conn, grant, (g) => !this.expiresSoon(g))).access_token;
  }

  /**
   * The provider refused `rejected` (401): the token to retry with, after at most one refresh of
   * the connection's grant across all processes; undefined when there is none better (a token
   * connection, or a grant without a refresh token).
   */
  async afterRejection(conn: OAuthConnection, rejected: string): Promise<string | undefined> {
    if (!conn.oauth) return undefined;
    const current = decodeGrant(await this.deps.secrets.get(conn.tokenRef, { fresh: true }));
    // Another caller already replaced it: use theirs.
    if (current.access_token !== rejected) return current.access_token;
    if (!current.refresh_token) return undefined;
    return (await this.refreshed(conn, current, (g) => g.access_token !== rejected)).access_token;
  }

  private expiresSoon(grant: OAuthGrant): boolean {
    if (grant.refresh_token === null || grant.expires_at === undefined) return false;
    const lifetime = grant.obtained_at === undefined ? Number.POSITIVE_INFINITY : grant.expires_at - grant.obtained_at;
    return grant.expires_at - this.deps.clock.now() < Math.min(REFRESH_AHEAD_MS, lifetime / 2);
  }

  /** One refresh per connection in this process; callers arriving meanwhile share its result. */
  private refreshed(conn: OAuthConnection, seen: OAuthGrant, good: (g: OAuthGrant) => boolean): Promise<OAuthGrant> {
    const key = `${conn.tenantId}/${conn.connector}`;
    let flight = this.inFlight.get(key);
    if (!flight) {
      flight = this.refreshAcrossProcesses(conn, seen, good).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, flight);
    }
    return flight;
  }

  private async refreshAcrossProcesses(
    conn: OAuthConnection,
    seen: OAuthGrant,
    good: (g: OAuthGrant) => boolean,
  ): Promise<OAuthGrant> {
    const { secrets, markers, clock } = this.deps;
    const step = this.deps.waitStepMs ?? 200;
    const leaseSeconds = this.deps.leaseSeconds ?? LEASE_SECONDS;
    for (let attempt = 0; attempt < 3; attempt++) {
      const stored = decodeGrant(await secrets.get(conn.tokenRef, { fresh: true }));
      // Another process refreshed since this one read the grant.
      if (stored.version > seen.version && good(stored)) return stored;
      if (!stored.refresh_token) {
        throw new TajoError(`the ${conn.connector} OAuth grant has no refresh token: connect again`, 'oauth_grant');
      }
      const lease = `oauth-refresh#${conn.connector}#v${stored.version}`;
      if (await markers.claimMarker(conn.tenantId, lease, leaseSeconds)) {
        try {
          return await this.refreshNow(conn, stored);
        } finally {
          // Released after the new grant is stored: a waiter that sees the lease gone reads it.
          await markers.releaseMarker(conn.tenantId, lease).catch(() => undefined);
        }
      }
      // Another process holds the lease: wait for it to finish (or for the lease to expire).
      const until = clock.now() + (leaseSeconds + 2) * 1000;
      while (clock.now() < until && (await markers.hasMarker(conn.tenantId, lease))) await clock.sleep(step);
      const after = decodeGrant(await secrets.get(conn.tokenRef, { fresh: true }));
      if (after.version > stored.version && good(after)) return after;
      // The holder failed (its lease is gone, the version did not move): try to take the lease.
    }
    throw new TajoError(`the ${conn.connector} token could not be refreshed: try again later`, 'oauth_refresh');
  }

  private async refreshNow(conn: OAuthConnection, stored: OAuthGrant): Promise<OAuthGrant> {
    this.refreshes += 1;
    const answer = await this.deps.refresh(conn.connector, stored.refresh_token as string);
    const grant = newGrant(
      // A provider that answers without a refresh token keeps the old one working.
      { ...answer, refreshToken: answer.refreshToken ?? stored.refresh_token },
      this.deps.clock.now(),
      stored.version + 1,
    );
    // Stored before anything else: the refresh token sent is dead now, the new one is all there is.
    await putGrant(this.deps.secrets, conn.tenantId, conn.connector, grant);
    this.deps.log?.('OAuth token refreshed', {
      tenantId: conn.tenantId,
      connector: conn.connector,
      version: grant.version,
    });
    return grant;
  }
}

/**
 * The token of a connection, for code that has no OAuthTokens at hand: a token connection's token,
 * an OAuth connection's current access token (not refreshed).
 */
export async function readAccessToken(
  deps: { secrets: SecretStore; oauthTokens?: OAuthTokens },
  conn: OAuthConnection,
): Promise<string> {
  if (deps.oauthTokens) return deps.oauthTokens.accessToken(conn);
  const value = await deps.secrets.get(conn.tokenRef);
  return conn.oauth ? decodeGrant(value).access_token : value;
}
