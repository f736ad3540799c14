/**
 * What travels in the Notion lane. One message = one step of a run (a chunk of rows), never one
 * message per row. The message group is the integration, so steps of one integration never overlap.
 */
import { z } from 'zod';
import { RULE_ITEMS_PER_MESSAGE, ruleItemSchema } from '../rules/rules';
import { runScopeSchema } from '../sync/scope';

export const notionLaneMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('notion.sync.start'),
    tenantId: z.string().min(1),
    /** Chosen when the sync is queued, so a redelivered start resumes its run instead of starting another. */
    runId: z.string().min(1),
    mode: z.enum(['full', 'incremental']),
    trigger: z.enum(['schedule', 'api', 'local', 'cli', 'webhook']),
    /** Abandon the tenant's unfinished run and start over (by default a new start resumes it). */
    restart: z.boolean().optional(),
    /** A narrower run (one database, a target list): absent, the connection's whole sync. */
    scope: runScopeSchema.optional(),
  }),
  z.object({
    type: z.literal('notion.sync.continue'),
    tenantId: z.string().min(1),
    runId: z.string().min(1),
    step: z.number().int().nonnegative(),
    /** The run's scope, as its start carried it (each step reads the same narrowed settings). */
    scope: runScopeSchema.optional(),
  }),
  /** The workspace users sync (sync.users), sent when a database run of the group succeeds. */
  z.object({
    type: z.literal('notion.users.sync'),
    tenantId: z.string().min(1),
    runId: z.string().min(1),
    mode: z.enum(['full', 'incremental']),
    trigger: z.enum(['schedule', 'api', 'local', 'cli', 'webhook']),
  }),
  /**
   * Pages Notion's webhooks reported changed are waiting in the tenant's page inbox (DynamoDB):
   * fetch a chunk of them. The ingress sends one while none is queued for the tenant (a marker the
   * worker releases before it reads the inbox), so a burst is a few messages, never one per page.
   */
  z.object({
    type: z.literal('notion.pages.fetch'),
    tenantId: z.string().min(1),
    /**
     * Absent: read the inbox. Given: these entries only — a page whose fetch failed, taken out of
     * the inbox into a message of its own so it cannot hold back the tenant's other pages (it is
     * retried after a backoff, then dead-lettered with its reason).
     */
    pages: z
      .array(
        z.object({
          pageId: z.string().min(1),
          types: z.array(z.string()),
          propertyIds: z.array(z.string()),
          authors: z.array(z.string()),
          parentId: z.string().optional(),
          version: z.number(),
        }),
      )
      .min(1)
      .max(50)
      .optional(),
  }),
  /**
   * Brevo → Notion: the (event, rule) matches of one webhook delivery, in chunks. Paced with the
   * integration's other Notion work because it shares the message group.
   */
  z.object({
    type: z.literal('notion.rules.apply'),
    tenantId: z.string().min(1),
    /** Sorts by time; names the rule run record (a redelivered message continues it). */
    runId: z.string().min(1),
    items: z.array(ruleItemSchema).min(1).max(RULE_ITEMS_PER_MESSAGE),
  }),
  /** Document library: import one page (API), recorded as a `documents` run. */
  z.object({
    type: z.literal('notion.documents.import'),
    tenantId: z.string().min(1),
    runId: z.string().min(1),
    /** Dashed, lower-case (parseNotionPageId). */
    pageId: z.string().min(1),
    trigger: z.enum(['schedule', 'api', 'local', 'cli', 'webhook']),
  }),
  /**
   * Document library: re-sync the imported documents (schedule, API). A step that runs out of time
   * sends the next one (`step` + 1) to continue after the last page it checked.
   */
  z.object({
    type: z.literal('notion.documents.resync'),
    tenantId: z.string().min(1),
    runId: z.string().min(1),
    trigger: z.enum(['schedule', 'api', 'local', 'cli', 'webhook']),
    step: z.number().int().nonnegative().default(0),
    after: z.string().min(1).optional(),
  }),
  /**
   * A publishing pass (pages entered a publish state → Brevo campaigns): sent after each database
   * run of a connection that publishes, and by the timer when deferred work is due again.
   */
  z.object({
    type: z.literal('notion.publish'),
    tenantId: z.string().min(1),
    runId: z.string().min(1),
    trigger: z.enum(['schedule', 'api', 'local', 'cli', 'webhook']),
  }),
]);

export type NotionLaneMessage = z.infer<typeof notionLaneMessageSchema>;
