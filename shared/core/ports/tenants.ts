/** Tenants: the management API key's hash, the Brevo key reference, and the store that keeps them. */

export interface TenantRecord {
  tenantId: string;
  /** sha256 of the management API key (the key itself is shown once, never stored). */
  apiKeyHash: string;
  /** sha256 of the bearer token Brevo's webhooks carry for this tenant (Brevo does not sign them). */
  webhookTokenHash?: string;
  createdAt: string;
  /**
   * The tenant's Brevo API key, one per tenant and shared by its connections: a secret-store
   * reference (PUT /tenants/{tenantId}/brevo), set once the key was checked against the account.
   */
  brevoApiKeyRef?: string;
  /** What GET /v3/account said when the key was stored, and the key's name in Brevo (never the key). */
  brevoAccount?: BrevoAccountInfo;
}

export interface BrevoAccountInfo {
  email?: string;
  companyName?: string;
  /** The key's name in Brevo (its webhooks carry it: contact changes our own writes made are not notified). */
  keyName?: string;
  checkedAt: string;
}

export interface TenantStore {
  getTenant(tenantId: string): Promise<TenantRecord | undefined>;
  /** Writes the tenant, and the index item that finds it by its API key's hash. */
  putTenant(record: TenantRecord): Promise<void>;
  /**
   * The tenant whose API key has this sha256 (GET /me); undefined for an unknown key or one since
   * rotated (the index may still name its old tenant: the tenant's current hash decides).
   */
  findTenantByApiKeyHash(apiKeyHash: string): Promise<TenantRecord | undefined>;
  /** Writes the index item alone: a tenant made before the index gets it when its key is next used. */
  indexApiKey(record: Pick<TenantRecord, 'tenantId' | 'apiKeyHash'>): Promise<void>;
}

/** Ops' side of the tenant store: a tenant id is taken once. */
export interface TenantRegistry extends TenantStore {
  /** Writes a new tenant; false (and nothing written) when the id is already taken. */
  createTenant(record: TenantRecord): Promise<boolean>;
}
