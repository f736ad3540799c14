import { Logger } from '@aws-lambda-powertools/logger';

/** One logger per function; tokens never reach it (records hold secret refs, not values). */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'tajo-connectors' });
