/**
 * `npm start`: the local stack on 127.0.0.1:${PORT:-3000}. Without a config or tokens it serves
 * the sandbox (simulated Notion and Brevo with a demo database) and runs a first sync so you can
 * see contacts arrive. Ctrl-C stops everything.
 */
import { join, resolve } from 'node:path';
import { stateDir } from '../shared/adapters/local/embedded-dynamodb';
import { type FunctionName, topology } from '../shared/topology';
import { startLocalStack } from './stack';

async function main(): Promise<void> {
  const env = process.env;
  const dir = resolve(stateDir(env));
  const configPath = resolve(env.TAJO_CONFIG ?? 'tajo.yaml');
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const stack = await startLocalStack({
    port: Number(env.PORT ?? 3000),
    stateDir: dir,
    configPath,
    env,
    sandboxRows: env.TAJO_SANDBOX_ROWS ? Number(env.TAJO_SANDBOX_ROWS) : undefined,
    log,
  });
  log(`Tajo connectors, local stack on ${stack.url}`);
  for (const r of topology.routes) log(`  ${r.method.padEnd(4)} ${stack.url}${r.path}  (${r.description})`);
  log(`  state: ${dir} (DynamoDB on dynalite ${stack.dynamo.endpoint}, SQS on fauxqs ${stack.sqsEndpoint})`);
  const lanes = Object.keys(stack.runners).map(
    (f) => `${f} ← ${topology.functions[f as FunctionName].consumes?.queue}`,
  );
  log(`  lanes (SQS FIFO on fauxqs): ${lanes.join('; ')}`);
  if (stack.sandbox) {
    log(`  sandbox Notion ${stack.sandbox.notion.baseUrl} and Brevo ${stack.sandbox.brevo.baseUrl} (no tokens given)`);
  }
  log(`  tenant "${stack.tenantId}", API key (also in ${join(dir, `${stack.tenantId}.api-key`)}):`);
  log(
    `    curl -X POST -H "Authorization: Bearer ${stack.apiKey}" ${stack.url}/tenants/${stack.tenantId}/connections/notion/sync`,
  );
  log(`  Brevo webhook (token also in ${join(dir, `${stack.tenantId}.webhook-token`)}):`);
  log(
    `    curl -X POST -H "Authorization: Bearer ${stack.webhookToken}" -H 'content-type: application/json' ` +
      `-d '{"event":"list_addition","email":"new@example.com","id":1,"ts":${Math.floor(Date.now() / 1000)}}' ` +
      `${stack.url}/webhooks/brevo/${stack.tenantId}`,
  );
  if (stack.sandbox?.slack) log(`  sandbox Slack ${stack.sandbox.slack.apiUrl} (notifications go to #marketing)`);
  log('First sync of the Notion databases into Brevo...');
  try {
    const run = await stack.syncAndWait('incremental');
    const s = run.summary;
    log(
      `  ${run.status}: ${s.pagesRead} rows read, ${s.upserted} contacts written, ${s.unchanged} unchanged, ` +
        `${s.failed} failed, in ${(s.durationMs / 1000).toFixed(1)} s (${s.notionRequests} Notion, ${s.brevoRequests} Brevo requests)`,
    );
    if (run.error) log(`  error: ${run.error}`);
    if (stack.sandbox) {
      const contacts = stack.sandbox.brevo.contacts();
      log(`  the sandbox Brevo account now has ${contacts.length} contacts, e.g. ${contacts[0]?.email ?? '-'}`);
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
    log(`  first sync failed: ${(err as Error).message}`);
  }
  log('Serving. Ctrl-C to stop.');
  const shutdown = () => {
    log('stopping...');
    stack.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err) => {
  process.stderr.write(`tajo local stack: ${(err as Error).message}\n`);
  process.exit(1);
});
