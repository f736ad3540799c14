import { knownConnectorNames, resolveConnector } from '../../shared/connectors';
import { handlePlatformPoll, platformPollInputSchema } from '../../shared/connectors/custom/sync/schedule';
import { lambda } from '../commons/lambda';
import { logger } from '../commons/powertools';

/** EventBridge Scheduler input: {tenantId, connector} from a definition connection's schedule, {sweep: true} from the stack's. */
export const handler = lambda(async (event: unknown, d) => {
  // The sweep looks at every definition connector the deployment resolves (the catalogue's).
  const definitionConnectors = knownConnectorNames().filter(
    (n) => resolveConnector(n)?.schedule?.schedule === 'platformSync',
  );
  const result = await handlePlatformPoll(
    { ...d, connections: d.store, runs: d.store },
    platformPollInputSchema.parse(event),
    definitionConnectors,
  );
  logger.info('platform poll done', { ...result });
  return result;
});
