/**
 * The platform lane's `platform.sync` job (the worker is the ingress's: shared/connectors/custom/
 * ingress/, which calls this for a PlatformSyncMessage): the queued run of a stored connection,
 * under the run id sync now answered, through the same runPlatformSync as the CLI.
 *
 * Left for the next step: one message runs the whole sync. A run longer than the worker's budget
 * should stop after a page and queue a continue message with the reader's `next` checkpoint (the
 * reader already resumes from it: ReadResourceOptions.resume), as the Notion lane does.
 */
import { z } from 'zod';
import type { RunRecord } from '../../../core/ports';
import { type StoredSyncDeps, syncStoredConnection } from './connection-sync';
import type { PlatformSyncMessage } from './enqueue';

const messageSchema = z.object({
  type: z.literal('platform.sync'),
  tenantId: z.string().min(1),
  connector: z.string().min(1),
  runId: z.string().min(1),
  mode: z.enum(['full', 'incremental']),
  trigger: z.enum(['api', 'schedule', 'local', 'cli']),
  checkpoint: z.unknown().optional(),
});

/** A lane message's body as a platform sync, or undefined when it is another job's. */
export function platformSyncMessage(body: unknown): PlatformSyncMessage | undefined {
  const parsed = messageSchema.safeParse(body);
  return parsed.success ? (parsed.data as PlatformSyncMessage) : undefined;
}

/** Runs one queued sync; the run record says how it went (a failed run is recorded, not thrown). */
export async function runPlatformSyncJob(deps: StoredSyncDeps, message: PlatformSyncMessage): Promise<RunRecord> {
  const { run } = await syncStoredConnection(deps, {
    tenantId: message.tenantId,
    connector: message.connector,
    full: message.mode === 'full',
    trigger: message.trigger,
    runId: message.runId,
  });
  return run;
}
