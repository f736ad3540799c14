/**
 * The local stack: the topology's functions (bundled as for Lambda) behind a local API Gateway, lane
 * runners on fauxqs, DynamoDB on dynalite, an in-process scheduler and the file secret store. With
 * no tokens it runs against the sandbox simulators, seeded with the demo database.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { LOCAL_ADAPTERS_SLOT, type LocalAdapters } from '../functions/commons/deps';
import { sqsLanesFromEnv } from '../functions/commons/sqs-lanes';
import { SANDBOX_OAUTH_PLATFORM, SANDBOX_OAUTH_PLATFORM_APP } from '../sandbox/oauth-platform/sandbox-app';
import {
  SANDBOX_NOTION_OAUTH_CLIENT,
  SANDBOX_SLACK_APP_SIGNING_SECRET,
  SANDBOX_SLACK_OAUTH_CLIENT,
  sandboxConfigYaml,
} from '../sandbox/sandbox';
import { LocalDocumentStore } from '../shared/adapters/local/document-store';
import {
  type EmbeddedDynamo,
  LOCAL_CREDENTIALS,
  startEmbeddedDynamo,
} from '../shared/adapters/local/embedded-dynamodb';
import { FileSecretStore } from '../shared/adapters/local/file-secrets';
import { defaultSections, definitionSections, parseConfig } from '../shared/app/config';
import { connectFromConfig, ensureConnectionSchedule } from '../shared/app/connections';
import { checkConnectionHealth } from '../shared/app/health';
import { type FunctionName, type QueueName, topology } from '../shared/app/topology';
import { CATALOGUE_DIR, resolvablePlatformConnectors } from '../shared/connectors';
import { enqueueNotionSync } from '../shared/connectors/notion/lane';
import type { TajoConfig } from '../shared/core/config/schema';
import { ENV, readEnv } from '../shared/core/env';
import { type LoggingSettings, loggingSettings } from '../shared/core/logging/api-calls';
import { eventLogSpec } from '../shared/core/logging/events';
import { redactText } from '../shared/core/logging/redact';
import { type ConnectorName, type RunRecord, systemClock } from '../shared/core/ports';
import { connectBrevo } from '../shared/core/tenancy/tenants';
import { startDurableQueues } from './durable-queues';
import { type LambdaHandler, loadFunctions } from './functions';
import { assertPortFree, startHttpGateway } from './http-gateway';
import { LaneRunner } from './lane-runner';
import { describeLaneDone } from './request-log';
import { type SandboxServices, startSandboxServices } from './sandbox-services';
import { LocalScheduler } from './scheduler';
import { DEFAULT_TENANT, ensureLocalTenant } from './tenant-files';

export interface LocalStackOptions {
  port: number;
  stateDir: string;
  /** The default tenant's config file; the sandbox config when it does not exist. */
  configPath: string;
  env: NodeJS.ProcessEnv;
  /** Use running emulators instead of starting dynalite / fauxqs (tests). */
  dynamoEndpoint?: string;
  sqsEndpoint?: string;
  sandboxRows?: number;
  /**
   * Save the sandbox in the state and restore it at the next start (npm start). Off for tests and
   * the benchmark: saving a large sandbox costs CPU they measure, and their states are thrown away.
   */
  keepSandbox?: boolean;
  /** Lane pollers per consuming function (Lambda's concurrent batches); capped by the topology. */
  laneConcurrency?: number;
  log: (line: string) => void;
}

export interface LocalStack {
  url: string;
  apiKey: string;
  tenantId: string;
  table: string;
  sandbox?: SandboxServices;

  /** The config file the stack uses: TAJO_CONFIG / ./tajo.yaml, or the sandbox config written to the state. */
  configFile: string;
  config: TajoConfig;
  /** One line when the state cannot work with this sandbox (and how to reset it). */
  stateWarning?: string;
  /** The default tenant's Brevo webhook bearer token (Brevo's webhooks carry it). */
  webhookToken: string;
  /** The default tenant's connections whose providers did not answer at start (the stack runs anyway). */
  degraded: { connector: ConnectorName; reason: string }[];
  runners: Record<string, LaneRunner>;
  scheduler: LocalScheduler;
  /** The functions' secret store (tests connect more tenants through it). */
  secrets: FileSecretStore;
  /** The document library (imported Notion pages) under the state dir. */
  documents: LocalDocumentStore;
  /** The signing secret of the local deployment's distributed Slack app. */
  slackAppSigningSecret: string;
  functions: Record<FunctionName, LambdaHandler>;
  dynamo: { endpoint: string; store: EmbeddedDynamo['store'] };
  sqsEndpoint: string;
  /** The bodies of the messages the last stop left queued (delivered again now). */
  restoredMessages: string[];
  /** Dead letters found in the state at start: kept, run only by `tajo lanes replay`. */
  keptDeadLetters: number;
  queueUrls: Record<string, string>;
  /** Each lane's dead-letter queue (`tajo lanes replay <lane>` finds them through stack.json). */
  dlqUrls: Record<string, string>;
  /** Queues a sync of the default tenant and waits for its run to finish. */
  /** `onPoll` sees the run record each time it is read while it runs (progress: cli/progress.ts). */
  syncAndWait(mode: 'full' | 'incremental', timeoutMs?: number, onPoll?: (run: RunRecord) => void): Promise<RunRecord>;
  /** Waits for the run `runId` (queued already, or carried on from the last stop) to finish. */
  waitForRun(runId: string, timeoutMs?: number, onPoll?: (run: RunRecord) => void): Promise<RunRecord>;
  /**
   * The publishing pass that followed the sync run `afterRunId` (pages → Brevo campaigns), once it
   * finished; undefined if none finished in time (a pass with nothing to do leaves no record).
   */
  waitForPublishRun(afterRunId: string, timeoutMs?: number): Promise<RunRecord | undefined>;
  stop(): Promise<void>;
}

export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    await assertPortFree(o.port);
    // ---- DynamoDB (dynalite, persisted in the state dir) and SQS (fauxqs on loopback).
    let dynamo: { endpoint: string; store: EmbeddedDynamo['store'] };
    let table = 'tajo-local';
    if (o.dynamoEndpoint) {
      const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
      const { dynamoRepositories, ensureTable } = await import('../shared/adapters/dynamodb');
      table = `tajo-local-${crypto.randomUUID().slice(0, 8)}`;
      const client = new DynamoDBClient({
        endpoint: o.dynamoEndpoint,
        region: 'local',
        credentials: LOCAL_CREDENTIALS,
      });
      await ensureTable(client, table);
      dynamo = { endpoint: o.dynamoEndpoint, store: dynamoRepositories(client, table) };
    } else {
      const embedded = await startEmbeddedDynamo(join(o.stateDir, 'dynamodb'));
      stops.push(() => embedded.close());
      dynamo = embedded;
    }
    let sqsEndpoint = o.sqsEndpoint;
    let restoredMessages: string[] = [];
    let keptDeadLetters = 0;
    if (!sqsEndpoint) {
      // Kept in the state like the tables: work queued when the stack stops (Ctrl-C, kill -9) is
      // delivered at the next start on this state, as SQS keeps it in AWS.
      const durable = await startDurableQueues(join(o.stateDir, 'queues'));
      stops.push(() => durable.close());
      sqsEndpoint = durable.endpoint;
      restoredMessages = durable.restored;
      keptDeadLetters = durable.deadLetters;
    }
    const sqs = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    stops.push(() => sqs.destroy());
    const queues = await createQueues(sqs, table, sqsEndpoint);

    // ---- The default tenant's config; sandbox simulators when no real tokens are given.
    const ownConfig = existsSync(o.configPath);
    const configText = ownConfig ? await readFile(o.configPath, 'utf8') : sandboxConfigYaml({ newsletter: true });
    // The sandbox config goes to the state, so the CLI can read the same one (--config).
    const configFile = ownConfig ? o.configPath : join(o.stateDir, SANDBOX_CONFIG_FILE);
    if (!ownConfig) {
      await mkdir(o.stateDir, { recursive: true });
      await writeFile(configFile, `${SANDBOX_CONFIG_HEADER}${configText}`, { mode: 0o600 });
    }
    // connectors.<name>.definition: FILE sections (relative to the config) join the schema first.
    const own = ownConfig ? await definitionSections(configText, o.configPath) : [];
    const config = parseConfig(configText, o.env, ownConfig ? o.configPath : 'sandbox config', undefined, [
      ...defaultSections(),
      ...own,
    ]);
    // debug / log_level / log_api_calls of the seed config set the functions' logging.
    const logging = loggingSettings(config);
    const given = readEnv(o.env);
    // The endpoints the functions call: the person's, else the sandbox simulators' (set here).
    const env: NodeJS.ProcessEnv = { ...o.env };
    const { sandbox, sandboxSlack, staleLine, usesSandboxNotion } = await startSandboxServices(o, {
      config,
      env,
      stops,
      hasRuns: () => hasRuns(dynamo.store),
    });

    // ---- The environment the stack gives the functions, pointed at the local services. Put back
    // at stop: a later stack in the same process must not take this one's simulators for
    // endpoints a person gave.
    const endpoints = readEnv(env);
    const functionEnv = {
      ...pick(env, [
        // The catalogue's platforms (SHOPIFY_BASE_URL...: the sandbox's simulators, or the person's).
        ...Object.keys(env).filter((k) => /^[A-Z][A-Z0-9_]*_BASE_URL$/.test(k)),
        ENV.notionBaseUrl,
        ENV.brevoBaseUrl,
        ENV.slackApiUrl,
        ENV.notionAuthorizeUrl,
        ENV.slackAuthorizeUrl,
      ]),
      [ENV.table]: table,
      // The functions run bundled: the catalogue's files are read from the repository.
      [ENV.catalogueDir]: CATALOGUE_DIR,
      [ENV.stage]: 'local',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      [ENV.sqsEndpoint]: sqsEndpoint,
      [ENV.powertoolsServiceName]: 'tajo-connectors',
      [ENV.powertoolsLogLevel]: given.powertoolsLogLevel ?? powertoolsLevel(logging.level),
      [ENV.logApiCalls]: given.logApiCalls ?? logging.apiCalls,
      [ENV.logEvents]: given.logEvents ?? eventLogSpec(logging.events),
      ...Object.fromEntries(Object.entries(queues).map(([q, v]) => [ENV.queueUrl(q as QueueName), v.url])),
      ...Object.fromEntries(Object.entries(queues).map(([q, v]) => [ENV.dlqUrl(q as QueueName), v.dlqUrl])),
    };
    const before = Object.fromEntries(Object.keys(functionEnv).map((k) => [k, process.env[k]]));
    Object.assign(process.env, functionEnv);
    stops.push(() => {
      for (const [k, v] of Object.entries(before)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    // ---- Functions, local adapters, scheduler.
    const functions = await loadFunctions();
    const scheduler = new LocalScheduler((fn) => functions[fn], {
      overrideMinutes: given.localPollMinutes ? Number(given.localPollMinutes) : undefined,
      onError: (e) => o.log(redactText(`scheduled run failed: ${(e as Error).message}`)),
    });
    stops.push(() => scheduler.stopAll());
    const secrets = new FileSecretStore(join(o.stateDir, 'secrets'));
    // The deployment's distributed Slack app, as the stack's secret holds it in AWS.
    const slackAppSigningSecret = given.slackAppSigningSecret || SANDBOX_SLACK_APP_SIGNING_SECRET;
    const slackOAuth = given.slackAppClientId
      ? { client_id: given.slackAppClientId, client_secret: given.slackAppClientSecret }
      : sandboxSlack
        ? { client_id: SANDBOX_SLACK_OAUTH_CLIENT.clientId, client_secret: SANDBOX_SLACK_OAUTH_CLIENT.clientSecret }
        : {};
    process.env[ENV.slackAppSecret] = await secrets.put(
      'slack-app',
      JSON.stringify({ signing_secret: slackAppSigningSecret, ...slackOAuth }),
    );
    // The deployment's Notion public connection: the sandbox's client unless one is given.
    const notionOAuth = given.notionOAuthClientId
      ? { client_id: given.notionOAuthClientId, client_secret: given.notionOAuthClientSecret }
      : usesSandboxNotion
        ? { client_id: SANDBOX_NOTION_OAUTH_CLIENT.clientId, client_secret: SANDBOX_NOTION_OAUTH_CLIENT.clientSecret }
        : undefined;
    if (notionOAuth) process.env[ENV.notionAppSecret] = await secrets.put('notion-app', JSON.stringify(notionOAuth));
    else delete process.env[ENV.notionAppSecret];
    // The document library on disk, where the CLI's `tajo notion import` puts it too.
    const documents = new LocalDocumentStore(join(o.stateDir, 'documents'));
    const adapters: LocalAdapters = { secrets, schedules: scheduler, documents };
    (globalThis as Record<string, unknown>)[LOCAL_ADAPTERS_SLOT] = adapters;
    stops.push(() => {
      delete (globalThis as Record<string, unknown>)[LOCAL_ADAPTERS_SLOT];
    });

    // ---- The default tenant: its API key and the connections its config gives.
    const tenantId = DEFAULT_TENANT;
    const { apiKey, webhookToken } = await ensureLocalTenant(dynamo.store, o.stateDir, tenantId);
    // Where the connections' providers are (the sandbox's, or the real ones).
    const providerEndpoints = {
      notionBaseUrl: endpoints.notionBaseUrl,
      brevoBaseUrl: endpoints.brevoBaseUrl,
      slackApiUrl: endpoints.slackApiUrl,
    };
    // Each connector with a section in the config (Notion's always, Slack's when enabled). A provider
    // down does not stop the stack: the connection is kept, marked degraded, and its work waits in
    // its lane (DESIGN: a provider being down degrades, never blocks).
    for (const connector of resolvablePlatformConnectors()) {
      const section = (config.connectors as Record<string, unknown>)[connector.name];
      if (!section || connector.connection?.connect.fromConfig?.when?.(section) === false) continue;
      await connectFromConfig(
        {
          connections: dynamo.store,
          secrets,
          schedules: scheduler,
          teams: dynamo.store,
          webhooks: dynamo.store,
          clock: systemClock,
          endpoints: providerEndpoints,
        },
        connector,
        { tenantId, config },
        { whenUnreachable: 'degrade' },
      );
    }
    // The config's Brevo key is the tenant's (connections by token need it stored: the quick start's
    // `tajo connectors connect shopify ...` against this stack); an unreachable Brevo leaves it for later.
    if (!(await dynamo.store.getTenant(tenantId))?.brevoApiKeyRef)
      await connectBrevo(
        {
          tenants: dynamo.store,
          connections: dynamo.store,
          secrets,
          clock: systemClock,
          brevoBaseUrl: endpoints.brevoBaseUrl,
        },
        tenantId,
        { apiKey: config.brevo.api_key },
      ).catch((err: unknown) =>
        o.log(redactText(`the tenant's Brevo key is not stored yet: ${(err as Error).message}`)),
      );
    // Each of the default tenant's connections: its providers probed, the degraded state recorded
    // (status and /health show it) or cleared now that they answer again.
    const degraded: LocalStack['degraded'] = [];
    for (const { name: connector } of resolvablePlatformConnectors()) {
      const record = await dynamo.store.getConnection(tenantId, connector);
      if (!record) continue;
      const health = await checkConnectionHealth(
        {
          connections: dynamo.store,
          clock: systemClock,
          endpoints: providerEndpoints,
        },
        record,
      );
      if (health) degraded.push({ connector, reason: health.reason });
    }

    // Every connection in the state gets its schedule back (tenants connected through the API or
    // the CLI in an earlier run): what the stack's sweeps do in AWS.
    const stored = [];
    for (const { name } of resolvablePlatformConnectors()) stored.push(...(await dynamo.store.listConnections(name)));
    for (const c of stored) await ensureConnectionSchedule(scheduler, c);

    // ---- Lanes (the SQS event sources) and the HTTP API.
    const runners: Record<string, LaneRunner> = {};
    for (const [name, spec] of Object.entries(topology.functions) as [
      FunctionName,
      (typeof topology.functions)[FunctionName],
    ][]) {
      if (!spec.consumes) continue;
      const q = queues[spec.consumes.queue];
      if (!q) continue;
      const runner = new LaneRunner({
        sqs,
        queueUrl: q.url,
        queueArn: q.arn,
        functionName: name,
        handler: functions[name],
        batchSize: spec.consumes.batchSize,
        concurrency: Math.min(spec.consumes.maxConcurrency, o.laneConcurrency ?? 2),
        timeoutSeconds: spec.timeoutSeconds,
        onError: (e) => o.log(redactText(`${name}: ${(e as Error).message}`)),
        onDone: (body) => {
          describeLaneDone(body, {
            ruleRun: (t, r) => dynamo.store.getRuleRun(t, r),
            run: (t, r) => dynamo.store.getRun(t, 'notion', r),
            // What the Slack worker recorded posting: a burst's lines say "digest of N events".
            slackDeliveries: (t) => dynamo.store.getSlackDeliveries(t),
          }).then(
            (line) => line && o.log(redactText(line)),
            () => undefined,
          );
        },
      });
      runner.start();
      runners[name] = runner;
      stops.push(() => runner.stop());
    }
    const http = await startHttpGateway(functions, o.port, o.log);
    stops.push(() => closeServer(http.server));
    // The sandbox's OAuth apps accept this stack's callbacks (a real app lists its own URLs).
    if (usesSandboxNotion)
      sandbox?.notion.oauth.addRedirectUri(SANDBOX_NOTION_OAUTH_CLIENT.clientId, `${http.url}/oauth/notion/callback`);
    sandboxSlack?.oauth.addRedirectUri(SANDBOX_SLACK_OAUTH_CLIENT.clientId, `${http.url}/oauth/slack/callback`);
    sandbox?.platforms?.oauthPlatform.oauth.clients.addRedirectUri(
      SANDBOX_OAUTH_PLATFORM_APP.clientId,
      `${http.url}/oauth/${SANDBOX_OAUTH_PLATFORM}/callback`,
    );

    const syncAndWait = async (
      mode: 'full' | 'incremental',
      timeoutMs = 600_000,
      onPoll?: (run: RunRecord) => void,
    ): Promise<RunRecord> => {
      const queued = await enqueueNotionSync(
        {
          connections: dynamo.store,
          lane: new (await import('../shared/adapters/aws/sqs-lane')).SqsLaneQueue(sqs, sqsLanesFromEnv()),
          clock: systemClock,
        },
        { tenantId, mode, trigger: 'local' },
      );
      if (!queued.queued || !queued.runId) throw new Error(queued.reason);
      return waitForRun(queued.runId, timeoutMs, onPoll);
    };

    const waitForRun = async (
      runId: string,
      timeoutMs = 600_000,
      onPoll?: (run: RunRecord) => void,
    ): Promise<RunRecord> => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const run = await dynamo.store.getRun(tenantId, 'notion', runId);
        if (run && run.status !== 'running') return run;
        if (run) onPoll?.(run);
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`the sync did not finish within ${Math.round(timeoutMs / 1000)} s`);
    };

    const waitForPublishRun = async (afterRunId: string, timeoutMs = 60_000): Promise<RunRecord | undefined> => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const runs = await dynamo.store.listRuns(tenantId, 'notion', 20);
        // Run ids sort by start time: the pass queued after the sync has a later id.
        const pass = runs.find((r) => r.job === 'publish' && r.runId > afterRunId && r.status !== 'running');
        if (pass) return pass;
        await new Promise((r) => setTimeout(r, 200));
      }
      return undefined;
    };

    return {
      url: http.url,
      stateWarning: staleLine,
      configFile,
      config,
      apiKey,
      webhookToken,
      degraded,
      tenantId,
      table,
      sandbox,
      runners,
      scheduler,
      secrets,
      documents,
      slackAppSigningSecret,
      functions,
      dynamo,
      sqsEndpoint,
      restoredMessages,
      keptDeadLetters,
      queueUrls: Object.fromEntries(Object.entries(queues).map(([k, v]) => [k, v.url])),
      dlqUrls: Object.fromEntries(Object.entries(queues).map(([k, v]) => [k, v.dlqUrl])),
      syncAndWait,
      waitForRun,
      waitForPublishRun,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Each topology queue with its dead-letter queue and redrive policy, as the stack creates them. */
async function createQueues(sqs: SQSClient, prefix: string, endpoint: string) {
  const out: Record<string, { url: string; arn: string; dlqUrl: string }> = {};
  for (const [name, spec] of Object.entries(topology.queues)) {
    const suffix = spec.fifo ? '.fifo' : '';
    const fifoAttrs: Record<string, string> = spec.fifo ? { FifoQueue: 'true' } : {};
    const dlqUrl = await ensureQueue(sqs, endpoint, `${prefix}-${name}-dlq${suffix}`, { ...fifoAttrs });
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] })))
      .Attributes?.QueueArn;
    const url = await ensureQueue(sqs, endpoint, `${prefix}-${name}${suffix}`, {
      ...fifoAttrs,
      // As deployed: a failed step is retried by the worker's own backoff, not by this timeout.
      VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: spec.maxReceiveCount }),
    });
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
      .Attributes?.QueueArn;
    out[name] = { url, arn: arn as string, dlqUrl };
  }
  return out;
}

/**
 * A queue kept from an earlier start is found again (its messages with it). Its URL names the port
 * fauxqs had then: it is given this start's endpoint. Attributes the topology changed since are set.
 */
async function ensureQueue(
  sqs: SQSClient,
  endpoint: string,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  let url: string;
  try {
    url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl as string;
  } catch (err) {
    if ((err as Error).name !== 'QueueNameExists') throw err;
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl as string;
    const { FifoQueue: _fixed, ...settable } = attributes;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: rehost(url, endpoint), Attributes: settable }));
  }
  return rehost(url, endpoint);
}

function rehost(queueUrl: string, endpoint: string): string {
  const u = new URL(queueUrl);
  return `${endpoint}${u.pathname}`;
}

export const SANDBOX_CONFIG_FILE = 'sandbox.tajo.yaml';
const SANDBOX_CONFIG_HEADER =
  '# Written by npm start: the config it uses when there is no tajo.yaml (rewritten at each start).\n' +
  '# The sandbox services live inside npm start: use this file with --api (see what npm start prints).\n';

/** Whether this state has synced before (its runs refer to ids of the sandbox that made them). */
async function hasRuns(store: EmbeddedDynamo['store']): Promise<boolean> {
  return (await store.listRuns(DEFAULT_TENANT, 'notion', 1)).length > 0;
}

/** `info` prints only warnings locally: the terminal of `npm start` is for what needs attention. */
function powertoolsLevel(level: LoggingSettings['level']): string {
  return level === 'info' ? 'WARN' : level.toUpperCase();
}

function pick(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (env[k]) out[k] = env[k] as string;
  return out;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
