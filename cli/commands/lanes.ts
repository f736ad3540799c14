/**
 * `tajo lanes list` and `tajo lanes replay LANE`: the lanes' queues come from the running
 * `npm start` of the state (stack.json) or, for a deployed stack, from --dlq-url/--queue-url.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { queueDepth, replayDeadLetters } from '../../shared/adapters/aws/sqs-lane';
import { LOCAL_CREDENTIALS } from '../../shared/adapters/local/embedded-dynamodb';
import { runningStack } from '../../shared/adapters/local/running-stack';
import { readEnv } from '../../shared/core/env';
import { TajoError } from '../../shared/core/errors';
import { type Io, UsageError } from '../io';

const LANES = {
  notion: 'notionLane',
  slack: 'slackLane',
  brevo: 'brevoLane',
  platform: 'platformLane',
  timer: 'timerQueue',
  // Tenant event deliveries (tajo.events.on) an endpoint refused until the last attempt.
  events: 'eventDelivery',
} as const;

export async function lanesCommand(
  verb: 'replay' | 'list',
  target: string | undefined,
  values: { dir: string; json?: boolean; max?: string; 'dlq-url'?: string; 'queue-url'?: string },
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  const local = runningStack(values.dir);
  const sqsOf = (explicit: boolean) =>
    !explicit && local?.sqsEndpoint
      ? new SQSClient({ endpoint: local.sqsEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS })
      : new SQSClient({
          useQueueUrlAsEndpoint: !readEnv(env).sqsEndpoint,
          // A deployed queue's URL names its region (sqs.REGION.amazonaws.com): no AWS_REGION needed then.
          ...(readEnv(env).awsRegion || readEnv(env).awsDefaultRegion
            ? {}
            : regionOf(values['queue-url'] ?? values['dlq-url'])),
        });
  if (verb === 'list') {
    // Right usage, nothing to ask: exit 1 with the one line (no usage block).
    if (!local?.lanes) {
      throw new TajoError(
        `no running npm start found for the state in ${values.dir}: start it (npm start) first, in this folder or with this TAJO_STATE_DIR`,
        'no_stack',
      );
    }
    const sqs = sqsOf(false);
    try {
      const rows = [];
      for (const [name, queue] of Object.entries(LANES)) {
        const q = local.lanes[queue];
        if (!q) continue;
        rows.push({ lane: name, depth: await queueDepth(sqs, q.url), deadLetters: await queueDepth(sqs, q.dlqUrl) });
      }
      if (values.json) io.out(JSON.stringify({ lanes: rows }));
      else for (const r of rows) io.out(`${r.lane.padEnd(7)} ${r.depth} waiting, ${r.deadLetters} dead-lettered`);
      return 0;
    } finally {
      sqs.destroy();
    }
  }
  const lane = LANES[target as keyof typeof LANES];
  if (!lane) throw new UsageError(`lanes replay takes a lane: ${Object.keys(LANES).join(', ')}`);
  const explicit = values['dlq-url'] !== undefined || values['queue-url'] !== undefined;
  const dlqUrl = values['dlq-url'] ?? (explicit ? undefined : local?.lanes?.[lane]?.dlqUrl);
  const queueUrl = values['queue-url'] ?? (explicit ? undefined : local?.lanes?.[lane]?.url);
  if (!dlqUrl || !queueUrl) {
    throw new UsageError(
      explicit
        ? '--dlq-url and --queue-url go together'
        : 'no running npm start found for this state: pass --dlq-url and --queue-url (the stack outputs of a deployed stack)',
    );
  }
  const max = values.max === undefined ? undefined : Number(values.max);
  if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
    throw new UsageError('--max takes a positive whole number');
  }
  const sqs = sqsOf(explicit);
  try {
    const moved = await replayDeadLetters(sqs, { dlqUrl, queueUrl, max }).catch((err: unknown) => {
      throw awsSetupError(err) ?? err;
    });
    if (values.json) io.out(JSON.stringify({ replayed: moved.length, messages: moved }));
    else {
      io.out(`${moved.length} message${moved.length === 1 ? '' : 's'} moved back into the ${target} lane`);
      for (const m of moved) {
        io.out(`  ${m.messageId}: ${m.reason}${m.attempts ? ` (after ${m.attempts} attempts)` : ''}`);
      }
    }
    return 0;
  } finally {
    sqs.destroy();
  }
}

function regionOf(url: string | undefined): { region?: string } {
  const m = url ? /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//.exec(url) : null;
  return m ? { region: m[1] } : {};
}

/** The SDK's setup errors (no region, no credentials) as the one line saying what to set. */
function awsSetupError(err: unknown): TajoError | undefined {
  const message = err instanceof Error ? err.message : '';
  if (/region is missing/i.test(message)) {
    return new TajoError(
      "no AWS region: set AWS_REGION to the stack's region (e.g. AWS_REGION=eu-west-1), or give the queues' https://sqs.REGION.amazonaws.com/... URLs",
      'aws_region',
    );
  }
  if (/could not load credentials/i.test(message)) {
    return new TajoError(
      'no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) for the account of the stack',
      'aws_credentials',
    );
  }
  const code = (err as { code?: string } | undefined)?.code;
  if (code === 'ENOTFOUND' || code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'ECONNRESET') {
    return new TajoError(`cannot reach SQS: ${message}; check the queue URLs and the network`, 'unreachable');
  }
  return undefined;
}
