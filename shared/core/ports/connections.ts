/** Connections: a tenant's link to one connector, its settings, its OAuth install and health. */
import type { ConnectorSections } from '../config/schema';

/** The connectors' parsed config sections (each connector adds its own: core/config/schema.ts ConnectorSections). */
type NotionConnectorConfig = ConnectorSections['notion'];
type SlackConnectorConfig = ConnectorSections['slack'];

/**
 * A connection's connector: a name the registry resolves (built in, or a connector made at runtime
 * from a definition). Open on purpose: the app never lists connectors by name.
 */
export type ConnectorName = string;

/** A Slack connection's settings: the config without its secrets, plus what auth.test told us. */
export type SlackSettings = Omit<SlackConnectorConfig, 'bot_token' | 'signing_secret'> & {
  teamId: string;
  /** Names of the Brevo API keys this service writes with: their webhook echoes are not notified. */
  ownApiKeyNames?: string[];
  /** Enterprise Grid: the org (auth.test `enterprise_id`), and whether the app is installed org-wide. */
  enterpriseId?: string;
  enterpriseInstall?: boolean;
};

export interface ConnectionSettings {
  notion: Omit<NotionConnectorConfig, 'token'> & {
    /** Names of the Brevo API keys this service writes with: their webhook echoes match no rule. */
    ownApiKeyNames?: string[];
  };
  slack: SlackSettings;
}

/** What a Notion OAuth install told us (the token response; never a token). */
export interface NotionOAuthInstall {
  workspaceId: string;
  workspaceName?: string;
  botId: string;
  /** Who installed it: a user (id, name) or the workspace itself. */
  owner: { type: 'user'; userId: string; name?: string } | { type: 'workspace' };
  duplicatedTemplateId?: string;
  installedAt: string;
}

/** What a Slack OAuth v2 install told us (oauth.v2.access and auth.test; never a token). */
export interface SlackOAuthInstall {
  appId: string;
  botUserId: string;
  botId?: string;
  scopes: string[];
  teamName?: string;
  enterpriseName?: string;
  /** The Slack user who installed the app. */
  installerUserId?: string;
  /** Token rotation is on: the bot token expires (12 h) and is refreshed ahead of time. */
  tokenRotation: boolean;
  installedAt: string;
}

export interface ConnectionOAuth {
  notion: NotionOAuthInstall;
  slack: SlackOAuthInstall;
}

/** The connectors whose settings the code reads typed (inside their own folders, and the tests). */
export type TypedConnectorName = keyof ConnectionSettings;

/**
 * A connection's settings as any connector keeps them: its config section without its secrets.
 * A connector the code does not name (one made from a definition) is read through its descriptor.
 */
export type AnyConnectionSettings = { enabled: boolean } & Record<string, unknown>;

/** The settings of a connection of connector C: typed for the built-in ones, the common shape otherwise. */
export type SettingsOf<C extends ConnectorName> = C extends TypedConnectorName
  ? ConnectionSettings[C]
  : AnyConnectionSettings;

/** What an OAuth install of connector C told us. */
export type OAuthOf<C extends ConnectorName> = C extends TypedConnectorName ? ConnectionOAuth[C] : object;

/**
 * Who a connection's token belongs to, as the provider answered when it was connected (Notion
 * users/me, Slack auth.test): shown by status and the connection list. Never a token.
 */
export interface ConnectionWorkspace {
  /** Notion workspace id (when the API tells it), Slack team id. */
  id?: string;
  name?: string;
  /** Notion: the integration's bot user; Slack: the bot id (B…) and its user (U…). */
  botId?: string;
  botUserId?: string;
  /** Slack: the token's OAuth scopes (X-OAuth-Scopes). */
  scopes?: string[];
}

/**
 * A provider the connection needs did not answer when last checked (the local stack's start): the
 * connection is kept, webhooks are still accepted and queued, and status says why. Absent: healthy.
 */
export interface ConnectionHealth {
  state: 'degraded';
  /** One line: which provider, where, and what happened (never a token). */
  reason: string;
  checkedAt: string;
  /** The providers down, by the names descriptors give them (`providers`). */
  providers: string[];
}

export interface ConnectionRecord<C extends ConnectorName = 'notion'> {
  tenantId: string;
  connector: C;
  /** The connector's config with its secrets removed (they are in the secret store). */
  settings: SettingsOf<C>;
  /**
   * The token's secret. A token connection's secret is the token itself; an OAuth connection's
   * (`oauth` set) is its grant (access and refresh token, expiry, version: core/tenancy/oauth-tokens.ts).
   */
  tokenRef: string;
  /** Set when the connection was made by an OAuth install. */
  oauth?: OAuthOf<C>;
  /** Slack: the app's signing secret, when the tenant has its own app. */
  signingSecretRef?: string;
  brevoApiKeyRef: string;
  /** A non-reversible id of the token: the lane's message group and the pacer key. */
  integrationKey: string;
  /** Who the token belongs to (absent for connections made before it was recorded). */
  workspace?: ConnectionWorkspace;
  /** Set while a provider it needs is down (see ConnectionHealth); cleared when it answers again. */
  health?: ConnectionHealth;
  createdAt: string;
  updatedAt: string;
}

export interface ConnectionStore {
  getConnection<C extends ConnectorName>(tenantId: string, connector: C): Promise<ConnectionRecord<C> | undefined>;
  putConnection<C extends ConnectorName>(record: ConnectionRecord<C>): Promise<void>;
  deleteConnection(tenantId: string, connector: ConnectorName): Promise<void>;
  /** All connections of a connector across tenants (the poller's safety sweep). */
  listConnections<C extends ConnectorName>(connector: C): Promise<ConnectionRecord<C>[]>;
  /** Every connection of one tenant, whatever its connector (built in or from a definition). */
  listTenantConnections(tenantId: string): Promise<ConnectionRecord<ConnectorName>[]>;
}
