/**
 * A connector's checks and status from the CLI: `tajo connectors test|status <connector>`, locally
 * (a config's section, or the stored connection) or against a deployed stack.
 */
import { type ConnectionTestResult, testStoredConnection } from '../../shared/app/connection-test';
import { type NotionStatus, notionStatus, type SlackStatus, slackStatus } from '../../shared/app/status';
import { testNotionConnection } from '../../shared/connectors/notion/connection-test';
import { brevoClientFor } from '../../shared/core/brevo/client';
import type { TajoConfig } from '../../shared/core/config/schema';
import { endpointsFromEnv } from '../../shared/core/env';
import { type ConnectorName, systemClock } from '../../shared/core/ports';
import type { Io } from '../io';
import { type CommandValues, given, optionalConfig, whereTo, withLocalState } from './command-context';
import { printChecks, printNotionStatus, printSlackStatus } from './print';
import { callApi, tenantPath } from './remote';

/**
 * The connector's checks. Locally, a config's section is tested with its tokens (as `test slack`
 * always did); without one, the tenant's stored connection. Remotely, the stored connection.
 */
export async function testConnector(
  connector: ConnectorName,
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  const { remote, tenantId } = await whereTo(values, env);
  let result: Pick<ConnectionTestResult, 'ok' | 'checks'>;
  if (remote) {
    result = (await callApi(
      remote,
      'POST',
      tenantPath(tenantId, `/connections/${connector}/test`),
      remoteTestBodyOf[connector]?.(values) ?? {},
    )) as ConnectionTestResult;
  } else {
    const config = await optionalConfig(values, env);
    // A section with its token is tested as it is; otherwise the stored connection (made by install).
    const checks = config && (await configTestOf[connector]?.(config, values, env));
    result = checks
      ? { ok: checks.every((c) => c.ok), checks }
      : await withLocalState(env, (deps) => testStoredConnection(deps, tenantId, connector, testOptionsOf(values)));
  }
  if (values.json) io.out(JSON.stringify({ ok: result.ok, checks: result.checks }));
  else printChecks(io, result.checks);
  return result.ok ? 0 : 1;
}

/**
 * Status of a connector. Locally the config's settings describe it when a config is given (as
 * before), else the stored connection's; remotely, the API's answer.
 */
export async function connectorStatusCommand(
  connector: ConnectorName,
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  const { remote, tenantId } = await whereTo(values, env);
  let answer: NotionStatus | SlackStatus;
  if (remote) {
    answer = (await callApi(remote, 'GET', tenantPath(tenantId, `/connections/${connector}/status`))) as
      | NotionStatus
      | SlackStatus;
  } else {
    const config = await optionalConfig(values, env);
    answer = await withLocalState(env, (deps) => localStatusOf[connector](deps, tenantId, config));
  }
  if (values.json) io.out(JSON.stringify(answer));
  else printStatusOf[answer.connector](io, answer);
  return 0;
}

/**
 * A connector whose CLI test runs here, locally, on a config's section or the stored connection
 * (Notion); the others' local test is main.ts's in-process one (Slack's `test slack --config`).
 */
export function testsConfigHere(connector: ConnectorName): boolean {
  return configTestOf[connector] !== undefined;
}

function testOptionsOf(values: CommandValues) {
  return { createPage: values['create-page'] === true };
}

/** The body of a remote test, per connector that takes options (Notion: the page-creation check). */
const remoteTestBodyOf: { [C in ConnectorName]?: (values: CommandValues) => Record<string, unknown> } = {
  notion: testOptionsOf,
};

/** A config section tested with its own tokens, per connector that can (undefined: no token in it). */
const configTestOf: {
  [C in ConnectorName]?: (
    config: TajoConfig,
    values: CommandValues,
    env: NodeJS.ProcessEnv,
  ) => Promise<CheckResult[] | undefined>;
} = {
  notion: async (config, values, env) => {
    const notion = config.connectors.notion;
    if (!notion || given(notion.token) === undefined) return undefined;
    const { token, ...settings } = notion;
    const brevoKey = given(config.brevo.api_key);
    return testNotionConnection({
      token,
      settings,
      baseUrl: endpointsFromEnv(env).notionBaseUrl,
      clock: systemClock,
      createPage: values['create-page'] === true,
      // The config's Brevo account: the mapping is checked against its attributes, as sync does.
      ...(brevoKey
        ? {
            brevo: brevoClientFor({
              apiKey: brevoKey,
              baseUrl: endpointsFromEnv(env).brevoBaseUrl,
              clock: systemClock,
            }),
          }
        : {}),
    });
  },
};

/** A connection test's checks (each connector's test answers the same shape). */
type CheckResult = Awaited<ReturnType<typeof testNotionConnection>>[number];

type LocalDeps = Parameters<Parameters<typeof withLocalState>[1]>[0];

/** Status from the local state: the config's settings describe it when a config is given, else the stored connection's. */
const localStatusOf: {
  [C in ConnectorName]: (
    deps: LocalDeps,
    tenantId: string,
    config: TajoConfig | undefined,
  ) => Promise<NotionStatus | SlackStatus>;
} = {
  notion: async (deps, tenantId, config) => {
    const conn = await deps.connections.getConnection(tenantId, 'notion');
    return notionStatus(deps, tenantId, config?.connectors.notion ?? conn?.settings, conn);
  },
  slack: async (deps, tenantId, config) => {
    const conn = await deps.connections.getConnection(tenantId, 'slack');
    return slackStatus(deps, tenantId, config?.connectors.slack ?? conn?.settings, conn);
  },
};

const printStatusOf: { [C in ConnectorName]: (io: Io, answer: NotionStatus | SlackStatus) => void } = {
  notion: (io, answer) => printNotionStatus(io, answer as NotionStatus),
  slack: (io, answer) => printSlackStatus(io, answer as SlackStatus),
};
