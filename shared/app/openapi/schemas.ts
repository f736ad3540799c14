/**
 * The answers' shapes the management routes share (components of the OpenAPI document). Each is
 * written from what the service returns; where a TypeScript type exists, `sameShape` below makes the
 * compiler hold the two together. Objects are strict: an answer with a field the schema does not
 * name fails the tests (route-spec.ts `answerMismatch`), except where a connector adds its own
 * fields (a status, a connect answer's counts, a run summary's per-platform counts), which say so.
 */
import { z } from 'zod';
import { rowErrorSchema, runStatusSchema, runTriggerSchema } from '../../core/http/run-schemas';
import type { ConnectorState } from '../connection-list';
import type { DisconnectReport } from '../disconnect';

/** Compile-time: the schema's output and the service's type are the same shape both ways. */
export type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const workspaceSchema = z
  .strictObject({
    id: z.string().optional(),
    name: z.string().optional(),
    botId: z.string().optional(),
    botUserId: z.string().optional(),
    scopes: z.array(z.string()).optional(),
  })
  .meta({
    id: 'Workspace',
    description: "The provider's workspace a connection reaches (Notion workspace, Slack team)",
  });

export const brevoConnectionSchema = z
  .strictObject({
    tenantId: z.string(),
    connector: z.literal('brevo'),
    connected: z.boolean(),
    account: z.strictObject({
      email: z.string().optional(),
      companyName: z.string().optional(),
      keyName: z.string().optional(),
      checkedAt: z.string().optional(),
    }),
    keyFrom: z.enum(['tenant', 'connections', 'none']).optional(),
    usedBy: z.array(z.string()).optional(),
  })
  .meta({ id: 'BrevoConnection', description: "The tenant's Brevo account and where its connections' key comes from" });

const connectorStateSchema = z.strictObject({
  name: z.string(),
  label: z.string(),
  connected: z.boolean(),
  enabled: z.boolean().nullable(),
  health: z.enum(['ok', 'degraded']).nullable(),
});
export const connectionListingSchema = z
  .strictObject({
    tenantId: z.string(),
    brevo: brevoConnectionSchema.nullable(),
    connections: z.array(
      z.strictObject({
        connector: z.string(),
        enabled: z.boolean(),
        workspace: workspaceSchema.nullable(),
        connectedAt: z.string(),
        updatedAt: z.string(),
      }),
    ),
    connectors: z.array(connectorStateSchema).optional(),
  })
  .meta({ id: 'ConnectionListing' });

export const connectResultSchema = z
  .object({
    tenantId: z.string(),
    connector: z.string(),
    connected: z.literal(true),
    enabled: z.boolean(),
    workspace: workspaceSchema.nullable(),
    schedule: z.string().nullable(),
    kept: z.literal('settings').optional().meta({
      description:
        "Connected again with only the connector's credentials: the existing connection's settings were kept, its credentials replaced",
    }),
  })
  // What the connector counts in its settings (Notion: databases synced; Slack: channels named).
  .catchall(z.unknown())
  .meta({ id: 'ConnectResult' });

export const disconnectReportSchema = z
  .strictObject({
    tenantId: z.string(),
    connector: z.string(),
    disconnected: z.literal(true),
    removed: z.strictObject({
      secrets: z.array(z.string()),
      schedules: z.array(z.string()),
      slackTeams: z.array(z.string()),
      notionWebhook: z.boolean(),
      pendingPages: z.number().int(),
      runsStopped: z.array(z.string()),
      record: z.literal(true),
    }),
    kept: z.array(z.string()),
  })
  .meta({ id: 'DisconnectReport' });

export const connectionStatusSchema = z
  .object({ connector: z.string(), connected: z.boolean() })
  // Each connector's status hook says the rest (last sync, its errors, its counts, next run, health).
  .catchall(z.unknown())
  .meta({
    id: 'ConnectionStatus',
    description: "A connection's state; the fields beyond `connector` are the connector's",
  });

export const connectionTestSchema = z
  .strictObject({
    tenantId: z.string(),
    connector: z.string(),
    ok: z.boolean(),
    checks: z.array(
      z.strictObject({ name: z.string(), ok: z.boolean(), detail: z.string(), skipped: z.boolean().optional() }),
    ),
  })
  .meta({ id: 'ConnectionTest' });

export const runSummarySchema = z
  .object({
    mode: z.enum(['full', 'incremental']),
    pagesRead: z.number(),
    upserted: z.number(),
    unchanged: z.number(),
    removed: z.number(),
    failed: z.number(),
    errors: z.array(rowErrorSchema),
    errorsTruncated: z.number(),
    notionRequests: z.number().optional().meta({ description: "Notion's runs only" }),
    brevoRequests: z.number(),
    rateLimited: z.number(),
    durationMs: z.number(),
    warnings: z.array(z.string()),
  })
  // Skips, field errors, events, publishing, a platform's requests and per-resource counts.
  .catchall(z.unknown())
  .meta({ id: 'RunSummary', description: "A run's counts (the --json contract); connectors add their own" });

export const runViewSchema = z
  .strictObject({
    runId: z.string(),
    connector: z.string(),
    job: z.enum(['users', 'documents', 'publish']).optional(),
    mode: z.enum(['full', 'incremental']),
    status: runStatusSchema,
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    trigger: runTriggerSchema,
    summary: runSummarySchema,
    progress: z
      .strictObject({
        pagesRead: z.number(),
        written: z.number(),
        unchanged: z.number().optional(),
        source: z.string().optional(),
        at: z.string(),
      })
      .optional(),
    error: z.string().optional(),
    resumedFrom: z.string().optional(),
    resumes: z.number().int().optional(),
  })
  .meta({ id: 'Run', description: 'A run as the API shows it (its record without checkpoint nor owner)' });

export const queuedSyncSchema = z
  .strictObject({
    queued: z.literal(true),
    mode: z.enum(['full', 'incremental']),
    job: z.literal('users').optional(),
    /** The run to follow: GET .../runs/{runId} (the SDK's sync(...).wait()). */
    runId: z.string(),
  })
  .meta({ id: 'QueuedSync' });

const _checks: [
  SameShape<z.output<typeof connectorStateSchema>, ConnectorState>,
  SameShape<z.output<typeof disconnectReportSchema>, Omit<DisconnectReport, 'connector'> & { connector: string }>,
] = [true, true];
void _checks;

export const healthSchema = z
  .strictObject({
    ok: z.literal(true),
    service: z.literal('tajo-connectors'),
    /** `degraded` when a provider is down: the service itself is up and accepting webhooks. */
    status: z.enum(['ok', 'degraded']).optional(),
    providers: z
      .record(
        z.string(),
        z.strictObject({ state: z.enum(['ok', 'degraded']), reason: z.string().optional(), checkedAt: z.string() }),
      )
      .optional(),
  })
  .meta({ id: 'Health', description: 'Liveness; with the providers when the API function probes them' });
