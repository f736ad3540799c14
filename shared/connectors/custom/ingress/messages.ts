/**
 * The platform lane's messages, by `type`: a webhook `delivery` (this folder), and the definition
 * connectors' sync jobs (`sync`, `sync-continue`: shared/connectors/custom/sync/job.ts adds them to
 * the table in worker.ts). Every message names its tenant and connector: the group it runs in.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { LaneMessage } from '../../../core/ports';
import { platformGroupId } from './unit';

/** SQS's limit on a message is 256 KiB; what is left for the delivery's body once the envelope is around it. */
export const MAX_QUEUED_BODY_BYTES = 200 * 1024;

export const deliveryMessageSchema = z.object({
  type: z.literal('delivery'),
  tenantId: z.string().min(1),
  connector: z.string().min(1),
  /** The definition's webhook entry the door matched (its key). */
  webhook: z.string().min(1),
  /** The delivery's id (deliveryId: the definition's header, else the raw body's sha256). */
  deliveryId: z.string().min(1),
  /** The raw body as received and verified (UTF-8 JSON). */
  body: z.string(),
  receivedAt: z.iso.datetime({ offset: true }),
});
export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;

/** What every platform lane message carries: the dispatch key and its group. */
export const platformLaneHeadSchema = z.looseObject({
  type: z.string().min(1),
  tenantId: z.string().min(1),
  connector: z.string().min(1),
});

/**
 * A delivery as a lane message. The deduplication id is the delivery's id, hashed with its tenant
 * and connector: SQS deduplicates across the whole queue, and a delivery id is only unique per
 * platform account.
 */
export function deliveryLaneMessage(message: DeliveryMessage): LaneMessage {
  return {
    body: JSON.stringify(message),
    groupId: platformGroupId(message.tenantId, message.connector),
    deduplicationId: createHash('sha256')
      .update(`${message.tenantId}\n${message.connector}\n${message.deliveryId}`)
      .digest('hex'),
  };
}
