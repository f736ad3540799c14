import { handleNotionPoll, pollInputSchema } from '../../shared/connectors/notion/poller';
import { lambda } from '../commons/lambda';
import { logger, recordPoll } from '../commons/powertools';

/** EventBridge Scheduler input: {tenantId} from a connection's schedule, {sweep:true} from the stack's. */
export const handler = lambda(async (event: unknown, d) => {
  const result = await handleNotionPoll(
    { ...d, connections: d.store, imported: d.store },
    pollInputSchema.parse(event),
  ).then(recordPoll);
  logger.info('poll done', { ...result });
  return result;
});
