/** Lanes: the queues work goes through, one message group per integration. */

/**
 * A lane of the deployment's topology (the connectors declare them; the core names none). The
 * adapters learn each lane's queue and kind from their composition root.
 */
export type LaneName = string;

export interface LaneMessage {
  body: string;
  /** The integration: one message group runs at a time (FIFO lanes; ignored by standard queues). */
  groupId: string;
  deduplicationId: string;
  /** Standard queues only (FIFO queues cannot delay one message): held back this long, ≤ 900 s. */
  delaySeconds?: number;
}

export interface LaneQueue {
  send(queue: LaneName, messages: LaneMessage[]): Promise<void>;
}
