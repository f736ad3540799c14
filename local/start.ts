/**
 * `npm start`: the local stack on 127.0.0.1:${PORT:-3000}. Without a config or tokens it serves
 * the sandbox (simulated Notion and Brevo with a demo database) and runs a first sync so you can
 * see contacts arrive. Ctrl-C stops everything.
 */
import { constants, readFileSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runProgress } from '../cli/progress';
import { SANDBOX_DATABASE_ID, SANDBOX_LEADS_DATABASE_ID, SANDBOX_LIST } from '../sandbox/sandbox';
import { stateDir } from '../shared/adapters/local/embedded-dynamodb';
import { removeStackFile, writeStackFile } from '../shared/adapters/local/running-stack';
import { useDefinitionLoader } from '../shared/app/config';
import { type FunctionName, topology } from '../shared/app/topology';
import { loadDefinitionFile } from '../shared/connectors/custom/definition/load';
import { notionDescriptor } from '../shared/connectors/notion/descriptor';
import { isResumable, ownerAlive } from '../shared/connectors/notion/sync/database-sync';
import { syncTuningFromEnv } from '../shared/connectors/notion/sync/sync-context';
import { unreadableConfigMessage } from '../shared/core/config/load';
import { readEnv } from '../shared/core/env';
import { ConfigError, failureReason, TajoError } from '../shared/core/errors';
import { redactText } from '../shared/core/logging/redact';
import { countsLine } from '../shared/core/runs/counts';
import { sandboxPlatformLines } from './sandbox-services';
import { sdkEnv, writeSdkEnv } from './sdk-env';
import { type LocalStack, startLocalStack } from './stack';

// npm start is the person's own process: their TypeScript definitions are imported (never in the service).
useDefinitionLoader(loadDefinitionFile);

/** The Brevo → Notion rule of the sandbox config (its curl is printed only when the config has it). */
const SANDBOX_RULE = 'converted-leads';

async function main(): Promise<void> {
  // The whole environment goes to the stack: the config's ${VAR}s are interpolated from it.
  const env = process.env;
  const settings = readEnv(env);
  const dir = resolve(stateDir(env));
  const configPath = resolve(settings.config ?? 'tajo.yaml');
  const log = (line: string) => process.stdout.write(`${line}\n`);
  // Checked here, in one line: the lanes read it for every sync step.
  syncTuningFromEnv(env);
  const numbers = startNumbers(settings);
  // A TAJO_CONFIG the person gave must be read, as the CLI refuses it: the sandbox stands in for
  // ./tajo.yaml only when neither is there.
  if (settings.config) await readableConfig(settings.config);
  const stack = await startLocalStack({
    port: numbers.port,
    stateDir: dir,
    configPath,
    env,
    sandboxRows: numbers.sandboxRows,
    keepSandbox: true,
    log,
  });
  // A long-running process: the simulators' request log keeps no bodies (a 5,000-row import is megabytes).
  for (const sim of [stack.sandbox?.notion, stack.sandbox?.brevo, stack.sandbox?.slack])
    if (sim) sim.log.keepBodies = false;
  log(`Tajo connectors, local stack on ${stack.url}`);
  if (stack.stateWarning) log(`  warning: ${stack.stateWarning}`);
  for (const d of stack.degraded) {
    log(
      `  ${d.connector} degraded: ${redactText(d.reason)}. Webhooks are still accepted and queued; ` +
        'the work runs when it answers again (restart to check it again; GET /health shows it now)',
    );
  }
  for (const r of topology.routes) log(`  ${r.method.padEnd(4)} ${stack.url}${r.path}  (${r.description})`);
  log(`  state: ${dir} (DynamoDB on dynalite ${stack.dynamo.endpoint}, SQS on fauxqs ${stack.sqsEndpoint})`);
  const lanes = Object.keys(stack.runners).map(
    (f) => `${f} ← ${topology.functions[f as FunctionName].consumes?.queue}`,
  );
  log(`  lanes (SQS FIFO on fauxqs): ${lanes.join('; ')}`);
  if (stack.sandbox) {
    log(`  sandbox Notion ${stack.sandbox.notion.baseUrl} and Brevo ${stack.sandbox.brevo.baseUrl} (no tokens given)`);
    if (stack.sandbox.restoredFrom)
      log(
        `  sandbox data restored from ${stack.sandbox.restoredFrom} (kept across restarts; rm -rf ${dir} starts afresh)`,
      );
    else if (stack.sandbox.savedTo)
      log(`  sandbox data saved in ${stack.sandbox.savedTo} (the next start on this state keeps it)`);
  }
  log(`  config: ${stack.configFile}`);
  log(`  tenant "${stack.tenantId}", API key (also in ${join(dir, `${stack.tenantId}.api-key`)}):`);
  log(
    `    curl -X POST -H "Authorization: Bearer ${stack.apiKey}" ${stack.url}/tenants/${stack.tenantId}/connections/notion/sync`,
  );
  log(
    '  OAuth install (Notion or Slack): ask for an authorize URL, open it in a browser (the sandbox consents at once):',
  );
  log(
    `    curl -X POST -H "Authorization: Bearer ${stack.apiKey}" ${stack.url}/tenants/${stack.tenantId}/connections/notion/oauth`,
  );
  if (stack.sandbox?.docsRootId) {
    log('  import the sandbox "Docs" page into the document library, then list the documents:');
    log(
      `    curl -X POST -H "Authorization: Bearer ${stack.apiKey}" -H 'content-type: application/json' ` +
        `-d '{"page":"${stack.sandbox.docsRootId}"}' ${stack.url}/tenants/${stack.tenantId}/connections/notion/imports`,
    );
    log(
      `    curl -H "Authorization: Bearer ${stack.apiKey}" ${stack.url}/tenants/${stack.tenantId}/connections/notion/documents`,
    );
  }
  log(`  Brevo webhook (token also in ${join(dir, `${stack.tenantId}.webhook-token`)}):`);
  log(
    `    curl -X POST -H "Authorization: Bearer ${stack.webhookToken}" -H 'content-type: application/json' ` +
      `-d '{"event":"list_addition","email":"new@example.com","id":1,"ts":${Math.floor(Date.now() / 1000)}}' ` +
      `${stack.url}/webhooks/brevo/${stack.tenantId}`,
  );
  if (stack.sandbox && stack.config.connectors.notion?.rules?.some((r) => r.name === SANDBOX_RULE)) {
    log('  Brevo → Notion (the sandbox rule: LIFECYCLE_STAGE becomes customer → a page in Leads):');
    log(
      `    curl -X POST -H "Authorization: Bearer ${stack.webhookToken}" -H 'content-type: application/json' ` +
        `-d '{"event":"contact_updated","email":"nina@example.com","id":1,"ts":${Math.floor(Date.now() / 1000)},` +
        `"content":[{"LIFECYCLE_STAGE":"customer","FIRSTNAME":"Nina","LASTNAME":"Newton"}]}' ` +
        `${stack.url}/webhooks/brevo/${stack.tenantId}`,
    );
  }
  // A SLACK_API_URL the person gave wins over the sandbox's Slack (stack.ts): then it is not the one in use.
  // (The start set SLACK_API_URL to the sandbox's when none was given.)
  if (stack.sandbox?.slack && readEnv().slackApiUrl === stack.sandbox.slack.apiUrl) {
    log(
      `  sandbox Slack ${stack.sandbox.slack.apiUrl} (notifications go to #marketing; the docs' #sales, #support, #alerts exist)`,
    );
  }
  if (stack.sandbox?.platforms)
    for (const line of sandboxPlatformLines(stack.sandbox.platforms, {
      stateDir: dir,
      url: stack.url,
      apiKeyFile: join(dir, `${stack.tenantId}.api-key`),
    }))
      log(line);
  const sdkVars = sdkEnv(stack, stack.config);
  for (const line of writeSdkEnv(dir, sdkVars, join(dir, `${stack.tenantId}.api-key`))) log(line);
  // The product docs' SDK examples name two databases by placeholder: here they are the sandbox's.
  if (stack.sandbox && sdkVars.NOTION_TOKEN) {
    log(
      `    the docs' databases here: abc123def456 → ${SANDBOX_DATABASE_ID} (Customers), ghi789jkl012 → ${SANDBOX_LEADS_DATABASE_ID} (Leads)`,
    );
  }
  log('  the CLI against this stack (another shell):');
  log(
    `    TAJO_API_KEY=$(cat ${join(dir, `${stack.tenantId}.api-key`)}) npx tajo connectors status notion --api ${stack.url}`,
  );
  // Where the CLI finds this stack (the state's database is this process's while it runs).
  writeStackFile(dir, {
    url: stack.url,
    pid: process.pid,
    tenantId: stack.tenantId,
    apiKeyFile: join(dir, `${stack.tenantId}.api-key`),
    startedAt: new Date().toISOString(),
    sqsEndpoint: stack.sqsEndpoint,
    lanes: Object.fromEntries(
      Object.entries(stack.queueUrls).map(([lane, url]) => [lane, { url, dlqUrl: stack.dlqUrls[lane] ?? '' }]),
    ),
  });
  log(
    `    more tenants (ops, straight into the table): AWS_ENDPOINT_URL_DYNAMODB=${stack.dynamo.endpoint} ` +
      `AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local npx tajo tenants create acme --table ${stack.table}`,
  );
  if (stack.restoredMessages.length > 0) {
    log(
      `  ${stack.restoredMessages.length} queued message(s) kept from the last stop (its lanes and timers): delivered now`,
    );
  }
  if (stack.keptDeadLetters > 0) {
    log(
      `  ${stack.keptDeadLetters} dead-lettered message(s) kept, not run: npx tajo lanes list shows them, ` +
        'npx tajo lanes replay <lane> runs them once the cause is fixed',
    );
  }
  // A sync the last stop interrupted (Ctrl-C, kill -9): its step message was kept, so it goes on
  // from its checkpoint under its own run id; without one (a state from before queues were kept),
  // the sync queued below resumes it (startOrResumeRun).
  const [last] = await stack.dynamo.store.listRuns(stack.tenantId, 'notion', 1, { job: null });
  const unfinished =
    last && isResumable(last) && last.status === 'running' && !ownerAlive(last, Date.now()) ? last : undefined;
  const carriedOn = unfinished && stack.restoredMessages.some((body) => body.includes(`"${unfinished.runId}"`));
  // The sandbox's sync at start is Notion's: its descriptor names the connection.
  const notionDown = stack.degraded.find((d) => d.connector === notionDescriptor.name);
  // Waiting on a sync whose provider is down would hold the start for the lane's retries.
  if (notionDown) {
    log(
      'Sync at start skipped: Notion or Brevo is not answering (see above); the poller or a sync request runs it later',
    );
  } else {
    log(
      unfinished
        ? `Resuming the sync the last stop interrupted (run ${unfinished.runId}, ${unfinished.mode}, ` +
            `${unfinished.summary.pagesRead} rows read at its last checkpoint)...`
        : stack.sandbox?.restoredFrom && (await hasFinishedSync(stack))
          ? 'Sync of what changed since the last run (incremental: the state keeps the last sync)...'
          : 'First sync of the Notion databases into Brevo...',
    );
    // Rows read and written as they move (stderr: one line rewritten on a terminal).
    const follow = runProgress();
    try {
      const before = stack.sandbox?.brevo.contacts().length ?? 0;
      const run = await (carriedOn && unfinished
        ? stack.waitForRun(unfinished.runId, undefined, follow)
        : stack.syncAndWait('incremental', undefined, follow)
      ).finally(() => follow.done());
      if (run.resumedFrom) log(`  resumed run ${run.resumedFrom} from its checkpoint (as run ${run.runId})`);
      const s = run.summary;
      log(
        `  ${run.status}: ${countsLine(s)}, in ${(s.durationMs / 1000).toFixed(1)} s ` +
          `(${s.notionRequests} Notion, ${s.brevoRequests} Brevo request${s.brevoRequests === 1 ? '' : 's'})`,
      );
      if (run.error) log(`  error: ${redactText(run.error)}`);
      if (stack.sandbox) {
        const contacts = stack.sandbox.brevo.contacts();
        const had = before > 0 ? ` (${before} were there before the sync)` : '';
        log(`  the sandbox Brevo account now has ${contacts.length} contacts${had}, e.g. ${contacts[0]?.email ?? '-'}`);
        // The docs' SDK sync names list 25: here it is the list the sync writes to.
        const list = stack.sandbox.brevo.lists().find((l) => l.name === SANDBOX_LIST);
        if (list) log(`  the docs' targetList 25 here: ${list.id} (the Brevo list "${SANDBOX_LIST}")`);
      }
      // Databases with a publish rule: the pass after the sync turns Published pages into campaigns.
      const entered = run.summary.publish?.entered ?? 0;
      const publishRun = entered > 0 ? await stack.waitForPublishRun(run.runId, 60_000) : undefined;
      for (const c of publishRun?.summary.publish?.campaigns ?? []) {
        const what = c.campaignId === undefined ? c.status : `Brevo campaign ${c.campaignId} ${c.status}`;
        log(`  published "${c.title}" → ${what}${c.error ? `: ${c.error}` : ''}`);
      }
      for (const w of publishRun?.summary.warnings ?? []) log(`  publishing: ${w}`);
    } catch (err) {
      log(`  first sync failed: ${redactText(failureReason(err))}`);
    }
  }
  log('Serving. Ctrl-C to stop.');
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    log('stopping...');
    removeStackFile(dir);
    stack.stop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`tajo local stack: stopping failed: ${redactText(failureReason(err))}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  process.once('SIGHUP', shutdown);
  // npm killed without forwarding its signal (SIGKILL, a closed terminal): npm runs this under
  // `sh -c`, so the parent may live on while npm is gone. Stop when the parent or npm above it
  // goes, rather than keep serving with nobody to Ctrl-C it.
  setInterval(() => {
    if (process.ppid !== ancestors[0] || ancestors.some((pid) => !alive(pid))) shutdown();
  }, 1000).unref();
}

/** The parent and, where /proc tells, the grandparent (npm above its `sh -c`). */
const ancestors = [process.ppid, ...parentOf(process.ppid)];

function parentOf(pid: number): number[] {
  try {
    // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? [ppid] : [];
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

main().catch((err) => {
  process.stderr.write(`tajo local stack: ${redactText(failureReason(err))}\n`);
  // A setting or config to fix exits 2, as the CLI's usage and config errors do.
  process.exit(err instanceof TajoError && (err.kind === 'usage' || err.kind === 'config') ? 2 : 1);
});

/**
 * PORT, TAJO_SANDBOX_ROWS and TAJO_LOCAL_POLL_MINUTES, checked before anything starts: a value that
 * is not a number would otherwise fail deep in the start (or, for the poll, fire every millisecond).
 */
function startNumbers(settings: ReturnType<typeof readEnv>): { port: number; sandboxRows?: number } {
  const port = settings.port === undefined ? 3000 : Number(settings.port);
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535))
    throw usage(
      `PORT takes a port number from 1 to 65535 (got ${JSON.stringify(settings.port)}), or leave it unset for 3000`,
    );
  const rows = settings.sandboxRows === undefined ? undefined : Number(settings.sandboxRows);
  if (rows !== undefined && !(Number.isInteger(rows) && rows >= 0))
    throw usage(
      `TAJO_SANDBOX_ROWS takes a whole number of rows (got ${JSON.stringify(settings.sandboxRows)}), or leave it unset for 250`,
    );
  const minutes = settings.localPollMinutes === undefined ? undefined : Number(settings.localPollMinutes);
  if (minutes !== undefined && !(Number.isFinite(minutes) && minutes > 0))
    throw usage(
      `TAJO_LOCAL_POLL_MINUTES takes a number of minutes above 0 (got ${JSON.stringify(settings.localPollMinutes)}), ` +
        "or leave it unset for the topology's cadence",
    );
  return { port, sandboxRows: rows };
}

function usage(line: string): TajoError {
  return new TajoError(line, 'usage');
}

/**
 * The config file TAJO_CONFIG names can be read; else the CLI's one line for it (core/config/load.ts),
 * with what npm start takes (no --config) as the remedy.
 */
async function readableConfig(file: string): Promise<void> {
  try {
    await access(file, constants.R_OK);
    if ((await stat(file)).isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
  } catch (err) {
    const remedy = 'npm start reads TAJO_CONFIG: point it at your config, or unset it to run the sandbox';
    throw new ConfigError([{ path: '', message: unreadableConfigMessage(file, err, remedy) }]);
  }
}

/** Whether a Notion sync ever finished on this state (the start's banner says first or incremental). */
async function hasFinishedSync(stack: { dynamo: LocalStack['dynamo']; tenantId: string }): Promise<boolean> {
  const runs = await stack.dynamo.store.listRuns(stack.tenantId, 'notion', 50, { job: null });
  return runs.some((r) => r.status === 'succeeded');
}
