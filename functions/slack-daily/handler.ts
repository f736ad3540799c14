import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { runSlackDaily, slackDailyInputSchema } from '../../shared/connectors/slack/daily';
import { runWithDeadline } from '../../shared/core/http/retry-policy';
import { invocationDeadline } from '../commons/deadline';
import { deps } from '../commons/deps';
import { lambdaLogging, logger, recordSlackDaily, recordSlackDailyFailure } from '../commons/powertools';

/** EventBridge Scheduler input: {tenantId} from a connection's daily schedule, {sweep:true} from the stack's. */
export const handler = middy(async (event: unknown, context: Context) => {
  const d = deps();
  // No Slack or Brevo retry of the job waits past the invocation (retry-policy.ts): it fails with
  // the reason in its run instead of being killed mid-wait.
  const result = await runWithDeadline(invocationDeadline(context, d.clock.now()), () =>
    runSlackDaily(
      {
        connections: d.store,
        threads: d.store,
        schedules: d.schedules,
        secrets: d.secrets,
        oauthTokens: d.oauthTokens,
        cursors: d.store,
        runs: d.store,
        clock: d.clock,
        slackApiUrl: process.env.SLACK_API_URL || undefined,
        brevoBaseUrl: d.endpoints.brevoBaseUrl,
        log: (msg, data) => logger.warn(msg, data),
      },
      slackDailyInputSchema.parse(event),
    ),
  ).then(recordSlackDaily, recordSlackDailyFailure);
  logger.info('Slack daily job done', { ...result });
  return result;
}).use(lambdaLogging());
