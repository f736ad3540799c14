/**
 * `tajo lanes list` and `tajo lanes replay LANE`: the lanes' queues come from the running
 * `npm start` of the state (stack.json) or, for a deployed stack, from --dlq-url/--queue-url.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { queueDepth, replayDeadLetters } from '../../shared/adapters/aws/sqs-lane';
import { LOCAL_CREDENTIALS } from '../../shared/adapters/local/embedded-dynamodb';
import { runningStack } from '../../shared/adapters/local/running-stack';
import { type Io, UsageError } from '../io';

const LANES = { notion: 'notionLane', slack: 'slackLane', brevo: 'brevoLane', timer: 'timerQueue' } as const;

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
      : new SQSClient({ useQueueUrlAsEndpoint: !env.AWS_ENDPOINT_URL_SQS });
  if (verb === 'list') {
    if (!local?.lanes) throw new UsageError('no running npm start found for this state: start it (npm start) first');
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
    const moved = await replayDeadLetters(sqs, { dlqUrl, queueUrl, max });
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
