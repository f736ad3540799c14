import type { SQSEvent } from 'aws-lambda';
import { lambda } from '../commons/lambda';
import { processLaneBatch } from '../commons/lane-batch';
import { notionLaneStep } from '../commons/lane-workers';

/** The Notion lane: one message = one sync step (notionLaneStep), in order per integration. */
export const handler = lambda((event: SQSEvent, d, context) =>
  processLaneBatch(event, context, (record) => notionLaneStep(d, record, context)),
);
