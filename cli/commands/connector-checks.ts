/**
 * A connector's checks and status from the CLI: `tajo connectors test|status <connector>`, locally
 * (a config's section, or the stored connection) or against a deployed stack. What is the
 * connector's (its checks, its status fields and lines) comes from its descriptor's hooks.
 */

import { loadConfigFile } from '../../shared/app/config';
import { type ConnectionTestResult, testStoredConnection } from '../../shared/app/connection-test';
import { connectorStatus } from '../../shared/app/status';
import { resolveConnection, resolveConnector } from '../../shared/connectors';
import { brevoClientFor } from '../../shared/core/brevo/client';
import type { TajoConfig } from '../../shared/core/config/schema';
import type { CheckResult } from '../../shared/core/connection-check';
import { endpointsFromEnv, readEnv } from '../../shared/core/env';
import { ConfigError } from '../../shared/core/errors';
import { type ConnectorName, systemClock } from '../../shared/core/ports';
import { configPath } from '../in-process';
import type { Io } from '../io';
import { type CommandValues, given, optionalConfig, tenantOf, whereTo, withLocalState } from './command-context';
import { printChecks } from './print';
import { callApi, remoteTarget, tenantPath } from './remote';

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
  const { test } = resolveConnection(connector);
  const options = test.options?.({ ...values }) ?? {};
  let result: Pick<ConnectionTestResult, 'ok' | 'checks'>;
  // Where it runs is asked first: a test of the config's section needs no tenant.
  const remote = await remoteTarget(values, env);
  if (!remote && test.local === 'config') {
    const checks = await testConfigSection(connector, await loadConfigFile(configPath(values, env), env), values, env);
    return printTest(io, values, { ok: checks?.every((c) => c.ok) ?? false, checks: checks ?? [] });
  }
  const tenantId = await tenantOf(values, env, remote);
  if (remote) {
    result = (await callApi(
      remote,
      'POST',
      tenantPath(tenantId, `/connections/${connector}/test`),
      options,
    )) as ConnectionTestResult;
  } else {
    const config = await optionalConfig(values, env);
    // A section with its token is tested as it is; otherwise the stored connection (made by install).
    const checks = config && (await testConfigSection(connector, config, values, env));
    result = checks
      ? { ok: checks.every((c) => c.ok), checks }
      : await withLocalState(env, (deps) => testStoredConnection(deps, tenantId, connector, options));
  }
  return printTest(io, values, result);
}

/** The checks for a person (or as JSON); exit 1 when one fails. */
function printTest(io: Io, values: CommandValues, result: Pick<ConnectionTestResult, 'ok' | 'checks'>): number {
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
  const { status } = resolveConnection(connector);
  const { remote, tenantId } = await whereTo(values, env);
  let answer: unknown;
  if (remote) {
    answer = await callApi(remote, 'GET', tenantPath(tenantId, `/connections/${connector}/status`));
  } else {
    const config = await optionalConfig(values, env);
    answer = await withLocalState(env, (deps) =>
      connectorStatus(deps, tenantId, connector, sectionOf(config, connector)),
    );
  }
  if (values.json) io.out(JSON.stringify(answer));
  else status.print(io.out, answer);
  return 0;
}

/** A connector whose CLI test can run here (on a config's section, or the stored connection). */
export function testsConfigHere(connector: ConnectorName): boolean {
  return resolveConnection(connector).test.local !== undefined;
}

/** The config's section of a connector, as it was read (undefined: none, or no config). */
function sectionOf(config: TajoConfig | undefined, connector: ConnectorName): Record<string, unknown> | undefined {
  return (config?.connectors as Record<string, Record<string, unknown> | undefined> | undefined)?.[connector];
}

/**
 * A config section tested with its own credentials, when the connector can and the section holds
 * them; a connector whose local test is only of the config's section (`config`) requires it.
 */
async function testConfigSection(
  connector: ConnectorName,
  config: TajoConfig,
  values: CommandValues,
  env: NodeJS.ProcessEnv,
): Promise<CheckResult[] | undefined> {
  const { connect, test } = resolveConnection(connector);
  const section = sectionOf(config, connector);
  if (!section && test.local === 'config') {
    const label = resolveConnector(connector)?.label ?? connector;
    throw new ConfigError([{ path: `connectors.${connector}`, message: `is required to test ${label}` }]);
  }
  if (!test.local || !section) return undefined;
  const { credentials, settings } = connect.split(section);
  // A token the file leaves out (FROM_STATE) is the stored connection's: that one is tested instead.
  if (test.local === 'config-or-stored' && given(credentials.token) === undefined) return undefined;
  const brevoKey = given(config.brevo.api_key);
  const endpoints = { ...endpointsFromEnv(env), slackApiUrl: readEnv(env).slackApiUrl };
  return test.run({
    credentials,
    settings,
    ports: { clock: systemClock, endpoints },
    options: { ...test.options?.({ ...values }), ...(values['events-url'] ? { eventsUrl: values['events-url'] } : {}) },
    // The config's Brevo account: the mapping is checked against its attributes, as sync does.
    ...(brevoKey && test.brevo
      ? { brevo: brevoClientFor({ apiKey: brevoKey, baseUrl: endpoints.brevoBaseUrl, clock: systemClock }) }
      : {}),
  });
}
