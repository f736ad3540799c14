import middy from '@middy/core';
import { handleNotionPoll, pollInputSchema } from '../../shared/connectors/notion/poller';
import { deps } from '../commons/deps';
import { lambdaLogging, logger, recordPoll } from '../commons/powertools';

/** EventBridge Scheduler input: {tenantId} from a connection's schedule, {sweep:true} from the stack's. */
export const handler = middy(async (event: unknown) => {
  const d = deps();
  const result = await handleNotionPoll(
    { ...d, connections: d.store, imported: d.store },
    pollInputSchema.parse(event),
  ).then(recordPoll);
  logger.info('poll done', { ...result });
  return result;
}).use(lambdaLogging());
