import { runSlackDaily, slackDailyInputSchema } from '../../shared/connectors/slack/daily';
import { runWithDeadline } from '../../shared/core/http/retry-policy';
import { invocationDeadline } from '../commons/deadline';
import { storePorts } from '../commons/deps';
import { lambda } from '../commons/lambda';
import { logger, recordSlackDaily, recordSlackDailyFailure } from '../commons/powertools';

/** EventBridge Scheduler input: {tenantId} from a connection's daily schedule, {sweep:true} from the stack's. */
export const handler = lambda(async (event: unknown, d, context) => {
  // No Slack or Brevo retry of the job waits past the invocation (retry-policy.ts): it fails with
  // the reason in its run instead of being killed mid-wait.
  const result = await runWithDeadline(invocationDeadline(context, d.clock.now()), () =>
    runSlackDaily(
      {
        ...storePorts(d, 'connections', 'threads', 'cursors', 'runs'),
        schedules: d.schedules,
        secrets: d.secrets,
        oauthTokens: d.oauthTokens,
        clock: d.clock,
        slackApiUrl: d.endpoints.slackApiUrl,
        brevoBaseUrl: d.endpoints.brevoBaseUrl,
        log: (msg, data) => logger.warn(msg, data),
      },
      slackDailyInputSchema.parse(event),
    ),
  ).then(recordSlackDaily, recordSlackDailyFailure);
  logger.info('Slack daily job done', { ...result });
  return result;
});
