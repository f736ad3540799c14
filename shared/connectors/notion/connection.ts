/**
 * A Notion connection's operations, as its descriptor hands them to the app and the CLI: connect by
 * token (users/me checks the token), its test and its status (status.ts).
 */

import type { ConnectHooks, ConnectionPorts, TestHooks } from '../../core/connector';
import { ProviderError, RequestRefusedError, UnreachableError } from '../../core/errors';
import { newStats } from '../../core/http/paced-fetch';
import { integrationKey } from '../../core/integration-key';
import type { ConnectionSettings, ConnectionWorkspace } from '../../core/ports';
import { sharedPacer } from '../../core/ratelimit/pacer';
import { NOTION_INTERVAL_MS, NotionGateway } from './client';
import type { NotionConnectorConfig } from './config-schema';
import { testNotionConnection } from './connection-test';

type NotionSettings = ConnectionSettings['notion'];

export const notionConnect: ConnectHooks<NotionSettings> = {
  split(section) {
    const { token, ...settings } = section as NotionConnectorConfig;
    return { credentials: { token }, settings };
  },
  async check(credentials, settings, ports) {
    return { workspace: await checkNotionToken(credentials.token, settings.api_version, ports) };
  },
  counts: (settings) => ({ databases: settings.databases.length }),
  body(options, section) {
    const token = options.token ?? section?.token;
    if (typeof token !== 'string') {
      return { usage: '--token <Notion integration token> is required (or connectors.notion.token)' };
    }
    return { body: { ...(section ?? {}), token } };
  },
};

export const notionTest: TestHooks<NotionSettings> = {
  run: (args) =>
    testNotionConnection({
      token: args.credentials.token,
      settings: args.settings,
      baseUrl: args.ports.endpoints.notionBaseUrl,
      clock: args.ports.clock,
      createPage: args.options.createPage === true,
      ...(args.schedule ? { schedule: args.schedule } : {}),
      ...(args.auth ? { auth: args.auth } : {}),
      ...(args.brevo ? { brevo: args.brevo } : {}),
    }),
  brevo: true,
  options: (values) => ({ createPage: values['create-page'] === true }),
  local: 'config-or-stored',
};

/** users/me with the token: who it is, or a refusal (400) that says what to do; nothing stored. */
async function checkNotionToken(
  token: string,
  apiVersion: NotionGateway['apiVersion'],
  ports: ConnectionPorts,
): Promise<ConnectionWorkspace> {
  const notion = new NotionGateway({
    token,
    apiVersion,
    baseUrl: ports.endpoints.notionBaseUrl,
    clock: ports.clock,
    pacer: sharedPacer(integrationKey('notion', token), NOTION_INTERVAL_MS, ports.clock),
    stats: newStats(),
  });
  try {
    const me = await notion.me();
    return {
      ...(me.workspaceId ? { id: me.workspaceId } : {}),
      ...(me.workspaceName ? { name: me.workspaceName } : {}),
      botId: me.id,
    };
  } catch (err) {
    if (err instanceof ProviderError && err.status === 401) {
      throw new RequestRefusedError(
        400,
        'Notion rejected the token (401): copy the internal integration secret (ntn_...) from Notion → Settings → Integrations; nothing was stored',
        'notion_token_refused',
      );
    }
    if (err instanceof UnreachableError) throw new RequestRefusedError(502, err.message, 'unreachable');
    throw err;
  }
}
