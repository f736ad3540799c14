/**
 * The deployment's OAuth apps, one per connector that installs by OAuth, as the OAuth routes and
 * the token refreshers read them (built by the composition root from the secret store).
 */
import type { NotionAppCredentialsSource } from '../connectors/notion/app';
import type { SlackAppCredentialsSource } from '../connectors/slack/app';

export interface OAuthApps {
  notion: NotionAppCredentialsSource;
  slack: SlackAppCredentialsSource;
}
