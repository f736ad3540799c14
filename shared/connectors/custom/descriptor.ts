/**
 * A definition becomes a connector: `definitionConnector(definition)` builds, at runtime, the
 * ConnectorDescriptor the app, the CLI and the API serve like Notion's: its config section (a zod
 * schema made from the definition), its connection hooks (connect checks the credentials with one
 * cheap read before anything is stored; test; status; sync now), its secrets and its CLI verbs.
 * Provider-free: it names no platform; the catalogue's files and the tenants' own definitions
 * all come through here.
 */
import type { CheckResult } from '../../core/connection-check';
import type { ConnectHooks, ConnectorCliCommand, ConnectorDescriptor, TestHooks } from '../../core/connector';
import { ProviderError, RequestRefusedError, UnreachableError } from '../../core/errors';
import { systemClock } from '../../core/ports';
import { credentialNeeds, resolveBaseUrl } from './auth';
import { effectiveMode, sectionWarnings } from './config-checks';
import {
  credentialsSecretName,
  type DefinitionConnectionSettings,
  readableResources,
  requestSettings,
  secretKeys,
  secretsOf,
  secretsText,
} from './connection';
import type { Definition } from './definition/schema';
import { expiresAtOf } from './oauth';
import { notInstalledReason } from './oauth-connection';
import { firstPageUrl } from './pagination';
import { probeConnection } from './probe';
import { platformClient } from './reader';
import { kebab, type ParsedSection, paramKeys, sectionProblems, sectionSchema, sectionValues } from './section';
import { definitionStatus } from './status';
import { enqueuePlatformSync } from './sync/enqueue';
import { platformSyncSchedule } from './sync/schedule';

/** The descriptor of a definition's connector. */
export function definitionConnector(definition: Definition): ConnectorDescriptor {
  const name = definition.name;
  const schema = sectionSchema(definition);
  return {
    name,
    label: definition.label,
    role: 'platform',
    // Its own platform is reached through the definition (no health probe): the hub is what it needs.
    providers: ['brevo'],
    config: {
      section: schema,
      validate: (section, base) => sectionProblems(definition, section as ParsedSection, base),
    },
    health: { endpointKey: `platform:${name}`, probe: (baseUrl) => ({ url: baseUrl ?? '', method: 'GET' }) },
    // The platform lane and webhook route are the ingress's (shared/connectors/custom/ingress/), merged in by the lead.
    http: [],
    routes: [],
    lanes: {},
    inboundBodies: 'all',
    // Batch mode's runs and hybrid's backstop (a realtime connection's tick does nothing).
    schedule: platformSyncSchedule(name),
    secrets: { token: (tenantId) => credentialsSecretName(tenantId, name) },
    cli: { commands: cliCommands(definition) },
    connection: {
      connect: connectHooks(definition),
      test: testHooks(definition),
      status: {
        read: (deps, tenantId, settings, record) =>
          definitionStatus(deps, definition, tenantId, settings as DefinitionConnectionSettings | undefined, record),
        print: (out, status) => definitionStatus.print(out, status as Awaited<ReturnType<typeof definitionStatus>>),
      },
      sync: async (ports, args) => {
        // The engine reads every enabled resource into the configured list: a narrower sync asked
        // for is refused rather than run whole in silence.
        const asked = Object.keys(args.scope ?? {});
        if (asked.length > 0)
          throw new RequestRefusedError(
            400,
            `${definition.label} syncs every enabled resource into its configured list: ${asked.join(', ')} cannot narrow it yet; sync without ${asked.length > 1 ? 'them' : 'it'}`,
            'bad_request',
          );
        return enqueuePlatformSync(ports, {
          tenantId: args.tenantId,
          connector: name,
          mode: args.mode,
          trigger: args.trigger,
        });
      },
    },
  };
}

// ------------------------------------------------------------------------------------ connect

function connectHooks(definition: Definition): ConnectHooks<DefinitionConnectionSettings> {
  const name = definition.name;
  return {
    split(raw) {
      const section = raw as ParsedSection;
      const values = sectionValues(definition, section);
      const secrets: Record<string, string> = {};
      const params: Record<string, string> = {};
      for (const key of secretKeys(definition)) if (values[key] !== undefined) secrets[key] = values[key];
      for (const key of paramKeys(definition)) if (values[key] !== undefined) params[key] = values[key];
      return {
        credentials: { token: secretsText(secrets) },
        settings: {
          enabled: section.enabled,
          definition,
          params,
          ...(section.sync_to_list !== undefined ? { sync_to_list: section.sync_to_list } : {}),
          mode: effectiveMode(definition, section.mode),
          schedule: section.schedule,
          sync: section.sync ?? {},
          ...(section.field_mapping !== undefined ? { field_mapping: section.field_mapping } : {}),
          ownApiKeyNames: [],
          // oauth2 with a token given: usable at once; with the OAuth app only: installed later.
          ...(definition.auth.type === 'oauth2' && values.access_token
            ? { oauth: { source: 'token' as const, scopes: definition.auth.scopes } }
            : {}),
        },
      };
    },
    async check(credentials, settings, ports) {
      const values = requestSettings(definition, settings.params, secretsOf(credentials.token, name), ports.endpoints);
      // The OAuth app alone reads nothing yet: the install (its consent) obtains the token.
      if (definition.auth.type !== 'oauth2' || values.access_token)
        await checkCredentials(definition, settings, values, ports.clock);
      return { workspace: { name: hostOf(definition, values) } };
    },
    counts: (settings) => ({ resources: readableResources(definition, settings.sync).length }),
    body(options, section) {
      const body: Record<string, unknown> = { ...(section ?? {}) };
      for (const key of [...paramKeys(definition), ...secretKeys(definition)]) {
        const value = options[kebab(key)];
        if (typeof value === 'string') body[key] = value;
      }
      for (const need of credentialNeeds(definition.auth))
        if (!need.mayBeEmpty && typeof body[need.key] !== 'string')
          return { usage: `--${kebab(need.key)} is required (or connectors.${name}.${need.key})` };
      if (
        definition.auth.type === 'oauth2' &&
        typeof body.client_id !== 'string' &&
        typeof body.access_token !== 'string'
      )
        return {
          usage: `--client-id and --client-secret are required (your OAuth app at ${definition.label}; or connectors.${name}.client_id), or --access-token`,
        };
      // Webhooks need the signing secret: connected without it (the quick start), the connection reads on its schedule.
      const secret = definition.signature?.secret;
      if (body.mode === undefined && secret !== undefined && typeof body[secret] !== 'string')
        body.mode = effectiveMode(definition) === 'realtime' ? 'realtime' : 'batch';
      return { body };
    },
  };
}

/**
 * One cheap read with the credentials (the first enabled resource, one item), before anything is
 * stored: a refused credential is a 400 saying which key to fix, an unreachable platform a 502.
 */
async function checkCredentials(
  definition: Definition,
  settings: DefinitionConnectionSettings,
  values: ReturnType<typeof requestSettings>,
  clock: Parameters<typeof platformClient>[0]['clock'],
): Promise<void> {
  const [first] = readableResources(definition, settings.sync);
  const resource = first === undefined ? undefined : definition.resources[first];
  if (first === undefined || resource === undefined) return;
  const client = platformClient({ definition, settings: values, ...(clock ? { clock } : {}) });
  const url = firstPageUrl(client.baseUrl, resource);
  if (resource.page_size !== undefined) url.searchParams.set(resource.page_size.param, '1');
  try {
    await client.get(url);
  } catch (err) {
    if (err instanceof ProviderError && (err.status === 401 || err.status === 403)) {
      // Named both ways: the config's key and the CLI's option (`api_key` / `--api-key`).
      const keys = credentialNeeds(definition.auth)
        .map((n) => `${n.key} (--${kebab(n.key)})`)
        .join(', ');
      throw new RequestRefusedError(
        400,
        `${definition.label} refused the credentials (${err.status} to ${resource.endpoint}): check ${keys || 'the connection'}; nothing was stored`,
        'platform_credentials_refused',
      );
    }
    if (err instanceof UnreachableError) throw new RequestRefusedError(502, err.message, 'unreachable');
    if (err instanceof ProviderError && err.status === 404)
      throw new RequestRefusedError(
        400,
        `${definition.label} answered 404 to ${resource.endpoint}: check the connection's ${paramKeys(definition).join(', ')}; nothing was stored`,
        'platform_not_found',
      );
    throw err;
  }
}

function hostOf(definition: Definition, values: ReturnType<typeof requestSettings>): string {
  try {
    return values.shop_url ?? new URL(resolveBaseUrl(definition, values)).host;
  } catch {
    return definition.label;
  }
}

// --------------------------------------------------------------------------------------- test

function testHooks(definition: Definition): TestHooks<DefinitionConnectionSettings> {
  return {
    async run({ credentials, settings, ports }) {
      const secrets = secretsOf(credentials.token, definition.name);
      const resources = readableResources(definition, settings.sync);
      const oauth = oauthCheck(definition, settings, secrets, (ports.clock ?? systemClock).now());
      // Not installed (or its grant refused): every read would be a 401, so none is sent.
      if (oauth.some((c) => !c.ok))
        return [
          ...oauth,
          ...resources.map((name) => ({ name, ok: false, skipped: true, detail: 'not tried: install it first' })),
        ];
      const checks = await probeConnection({
        definition,
        settings: requestSettings(definition, settings.params, secrets, ports.endpoints),
        resources,
        clock: ports.clock,
      });
      return [
        ...oauth,
        ...checks.map((check) =>
          // A batch connection receives no webhooks: their verification is not this connection's to pass.
          check.name === 'webhooks' && settings.mode === 'batch'
            ? { name: 'webhooks', ok: true, skipped: true, detail: 'mode batch: webhooks are not received' }
            : check,
        ),
      ];
    },
    local: 'config-or-stored',
  };
}

/** oauth2: whether the connection is installed and until when its token works (a test never refreshes it). */
function oauthCheck(
  definition: Definition,
  settings: DefinitionConnectionSettings,
  secrets: Readonly<Record<string, string | undefined>>,
  now: number,
): CheckResult[] {
  if (definition.auth.type !== 'oauth2') return [];
  const reason = notInstalledReason(definition, secrets);
  if (reason) return [{ name: 'oauth', ok: false, detail: reason }];
  if (settings.oauth?.reinstall) return [{ name: 'oauth', ok: false, detail: settings.oauth.reinstall }];
  const expiresAt = expiresAtOf(secrets);
  const until =
    expiresAt === undefined
      ? 'the token does not expire'
      : `token ${expiresAt <= now ? 'expired' : 'expires'} ${new Date(expiresAt).toISOString()}${secrets.refresh_token ? ' (a sync refreshes it)' : ': no refresh token, install again then'}`;
  return [{ name: 'oauth', ok: true, detail: `installed; ${until}` }];
}

// ---------------------------------------------------------------------------------------- CLI

/** The verbs `tajo connectors <verb> <name>` serves, with the definition's own options. */
function cliCommands(definition: Definition): ConnectorCliCommand[] {
  const name = definition.name;
  const options = [...paramKeys(definition), ...secretKeys(definition)].map(kebab);
  const needs = credentialNeeds(definition.auth).filter((n) => !n.mayBeEmpty);
  const required = Object.entries(definition.connection)
    .filter(([, p]) => p.required)
    .map(([key, p]) => `--${kebab(key)} ${p.description ?? key}`);
  const example = [
    `tajo connectors connect ${name}`,
    ...required,
    ...needs.map((n) => `--${kebab(n.key)} $${envName(name)}_${n.key.toUpperCase()}`),
  ].join(' ');
  // What a sync reads: a declared-only resource (to: none, Shopify's products) is not among them.
  const resources = readableResources(definition).join(', ') || 'none';
  const warnings = sectionWarnings(definition, {});
  return [
    {
      verb: 'connect',
      summary: `Connect ${definition.label}: the credentials are checked with one read before anything is stored.`,
      options: [...options, 'brevo-key'],
      optionHelp: optionHelp(definition),
      example,
      notes: [
        `Options are connectors.${name}'s keys in kebab case; the config's section gives the rest.`,
        ...(definition.signature !== undefined
          ? [`Without --${kebab(definition.signature.secret)} its webhooks are off (mode batch).`]
          : []),
        ...(definition.auth.type === 'oauth2'
          ? [
              `OAuth: with --client-id and --client-secret (your app) against a stack, connect also prints the authorize URL to open (tajo connectors install ${name} asks for a new one).`,
            ]
          : []),
        ...warnings,
      ],
    },
    ...(definition.auth.type === 'oauth2'
      ? [
          {
            verb: 'install',
            summary: `Install ${definition.label} by OAuth with your app: prints the authorize URL to open (single-use, 10 minutes).`,
            options: [...options, 'brevo-key'],
            optionHelp: optionHelp(definition),
            example: `tajo connectors install ${name} --client-id $${envName(name)}_CLIENT_ID --client-secret $${envName(name)}_CLIENT_SECRET --api URL`,
            notes: [
              `Against a stack (--api, TAJO_API_URL or a profile): its callback <API>/oauth/${name}/callback must be a redirect URL of your app.`,
              'With --client-id and --client-secret the connection is made (or replaced) first; without, the stored one is installed again.',
            ],
          },
        ]
      : []),
    {
      verb: 'sync',
      summary: `Read ${definition.label}'s resources (${resources}) into Brevo contacts and events.`,
      options: ['full'],
      example: `tajo connectors sync ${name} --full`,
      notes: ['Incremental by default (the last high-water mark minus an overlap); --full reads everything.'],
    },
    {
      verb: 'test',
      summary: `Check the ${definition.label} connection: settings, one request per resource, webhook verification.`,
      options: [],
      example: `tajo connectors test ${name}`,
      notes: ['Exit 1 when a check fails.'],
    },
    {
      verb: 'status',
      summary: `Show the ${definition.label} connection: mode, resources, the last run and its errors.`,
      options: [],
      example: `tajo connectors status ${name}`,
    },
    {
      verb: 'disconnect',
      summary: `Disconnect ${definition.label}: its credentials, schedule and record are removed.`,
      options: [],
      example: `tajo connectors disconnect ${name}`,
    },
  ];
}

/** A connector's name as the prefix of an environment variable (`my-platform` → `MY_PLATFORM`). */
function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/** How each of the definition's options reads in --help: its parameter's description, its credential's need. */
function optionHelp(definition: Definition): Record<string, { value: string; help: string }> {
  const out: Record<string, { value: string; help: string }> = {
    'base-url': { value: 'URL', help: "the API's root URL, instead of the definition's base_url" },
  };
  for (const [key, p] of Object.entries(definition.connection))
    out[kebab(key)] = { value: key.toUpperCase(), help: `${p.description ?? key}${p.required ? ' (required)' : ''}` };
  for (const need of credentialNeeds(definition.auth))
    out[kebab(need.key)] ??= { value: need.key.toUpperCase(), help: need.why };
  for (const key of secretKeys(definition))
    out[kebab(key)] ??= {
      value: key.toUpperCase(),
      help:
        key === definition.signature?.secret
          ? `the secret that signs its webhooks (${definition.signature.header})`
          : 'a secret of the connection',
    };
  return out;
}
