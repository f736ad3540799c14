/**
 * What the simulators' OAuth servers share: registered clients (apps) with their secret and
 * redirect URIs, HTTP Basic client credentials, and the consent page's outcome as the redirect a
 * browser follows back to the app (a code, or `error=access_denied`, with the state).
 */
import type { SimResponse } from './http-kit';

export interface OAuthClientInput {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export class OAuthClientRegistry<C extends OAuthClientInput> {
  private readonly clients = new Map<string, C>();

  constructor(private readonly simulator: string) {}

  register(input: C): void {
    this.clients.set(input.clientId, { ...input, redirectUris: [...input.redirectUris] });
  }

  addRedirectUri(clientId: string, uri: string): void {
    const client = this.clients.get(clientId);
    if (!client) throw new Error(`${this.simulator}: unknown OAuth client ${clientId}`);
    if (!client.redirectUris.includes(uri)) client.redirectUris.push(uri);
  }

  get(clientId: string | undefined): C | undefined {
    return clientId === undefined ? undefined : this.clients.get(clientId);
  }

  /**
   * The client a consent is for. Throws for an unknown client or a redirect URI the client does not
   * list (providers show an error page then, and never redirect).
   */
  forConsent(clientId: string, redirectUri: string | undefined): C {
    const client = this.clients.get(clientId);
    if (!client) throw new Error(`unknown client_id ${clientId}`);
    if (redirectUri !== undefined && !client.redirectUris.includes(redirectUri)) {
      throw new Error(`redirect_uri ${redirectUri} is not registered for this app`);
    }
    return client;
  }
}

/** `Authorization: Basic base64(id:secret)`, decoded; undefined when absent or malformed. */
export function basicCredentials(header: string | string[] | undefined): { id: string; secret: string } | undefined {
  if (typeof header !== 'string' || !/^Basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  return sep > 0 ? { id: decoded.slice(0, sep), secret: decoded.slice(sep + 1) } : undefined;
}

/** The consent page's answer: back to the app with the code, or with `error=access_denied`. */
export function consentRedirect(
  redirectUri: string,
  outcome: { code: string } | { error: string },
  state: string | null,
): SimResponse {
  const target = new URL(redirectUri);
  if ('code' in outcome) target.searchParams.set('code', outcome.code);
  else target.searchParams.set('error', outcome.error);
  if (state !== null) target.searchParams.set('state', state);
  return { status: 302, headers: { location: target.toString() } };
}
