import middy from '@middy/core';
import { runSlackDaily, slackDailyInputSchema } from '../../shared/services/slack-daily';
import { deps } from '../commons/deps';
import { lambdaLogging, logger, recordSlackDaily, recordSlackDailyFailure } from '../commons/powertools';

/** EventBridge Scheduler input: {tenantId} from a connection's daily schedule, {sweep:true} from the stack's. */
export const handler = middy(async (event: unknown) => {
  const d = deps();
  const result = await runSlackDaily(
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
  ).then(recordSlackDaily, recordSlackDailyFailure);
  logger.info('Slack daily job done', { ...result });
  return result;
}).use(lambdaLogging());
