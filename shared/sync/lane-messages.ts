/**
 * What travels in the Notion lane. One message = one step of a run (a chunk of rows), never one
 * message per row. The message group is the integration, so steps of one integration never overlap.
 */
import { z } from 'zod';

export const notionLaneMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('notion.sync.start'),
    tenantId: z.string().min(1),
    /** Chosen when the sync is queued, so a redelivered start resumes its run instead of starting another. */
    runId: z.string().min(1),
    mode: z.enum(['full', 'incremental']),
    trigger: z.enum(['schedule', 'api', 'local', 'cli']),
  }),
  z.object({
    type: z.literal('notion.sync.continue'),
    tenantId: z.string().min(1),
    runId: z.string().min(1),
    step: z.number().int().nonnegative(),
  }),
  /** The workspace users sync (sync.users), sent when a database run of the group succeeds. */
  z.object({
    type: z.literal('notion.users.sync'),
    tenantId: z.string().min(1),
    runId: z.string().min(1),
    mode: z.enum(['full', 'incremental']),
    trigger: z.enum(['schedule', 'api', 'local', 'cli']),
  }),
]);

export type NotionLaneMessage = z.infer<typeof notionLaneMessageSchema>;
