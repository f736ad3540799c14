/**
 * The refresh of OAuth connections' tokens against their provider's token endpoint, with the
 * deployment's OAuth apps: each connector's descriptor says how (Notion's refresh, Slack's rotation).
 */
import { connectorOf } from '../connectors';
import type { ProviderEndpoints } from '../core/connector';
import { TajoError } from '../core/errors';
import type { RefreshGrant } from '../core/tenancy/oauth-tokens';
import type { OAuthApps } from './oauth-apps';

/** The refresh of the deployment's apps, against each connector's token endpoint. */
export function providerRefresh(deps: { apps: OAuthApps; endpoints: ProviderEndpoints }): RefreshGrant {
  return async (connector, refreshToken) => {
    const oauth = connectorOf(connector).oauth;
    if (!oauth) throw new TajoError(`${connector} connections have no OAuth install: cannot refresh`, 'oauth_app');
    return oauth.refresh(deps, refreshToken);
  };
}
