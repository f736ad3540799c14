/**
 * The sandbox kept across restarts: `npm start` writes its simulators' data (Notion workspace,
 * Brevo account, Slack workspace) to `<state>/sandbox.json`, and the next start on the same state
 * restores it instead of seeding a new sandbox. The state's DynamoDB remembers data source ids,
 * list ids, synced rows and sent campaigns; those ids must still exist on the other side, or the
 * second start's sync fails on a 404 and the demo newsletter would be mailed again.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { TajoError } from '../shared/core/errors';

export const SANDBOX_SNAPSHOT_FILE = 'sandbox.json';

const seededSchema = z.object({
  dataSourceId: z.string(),
  pageIds: z.array(z.string()),
  docsRootId: z.string().optional(),
  newsletter: z.object({
    databaseId: z.string(),
    dataSourceId: z.string(),
    publishedPageId: z.string(),
    draftPageId: z.string(),
    listId: z.number(),
  }),
});
export type SandboxSeeded = z.infer<typeof seededSchema>;

const fileSchema = z.object({
  format: z.literal(1),
  savedAt: z.string(),
  seeded: seededSchema,
  notion: z.unknown(),
  brevo: z.unknown(),
  slack: z.unknown().optional(),
  /** The OAuth platform (the docs' my-platform): its port and the tokens it issued. */
  oauthPlatform: z.object({ port: z.number().int(), state: z.unknown() }).optional(),
});
export type SandboxSnapshot = z.infer<typeof fileSchema>;

export function sandboxSnapshotPath(stateDir: string): string {
  return join(stateDir, SANDBOX_SNAPSHOT_FILE);
}

const resetHint = (stateDir: string) =>
  `to start a fresh sandbox, remove the state (rm -rf ${stateDir}) or set TAJO_STATE_DIR to another folder`;

/** The saved sandbox, or undefined when this state has none; one line (TajoError) when it is unreadable. */
export function readSandboxSnapshot(stateDir: string): SandboxSnapshot | undefined {
  const file = sandboxSnapshotPath(stateDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TajoError(
      `cannot read the saved sandbox ${file} (${(err as Error).message}): ${resetHint(stateDir)}`,
      'local_state',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success)
    throw new TajoError(
      `the saved sandbox ${file} is damaged (not a sandbox snapshot): ${resetHint(stateDir)}`,
      'local_state',
    );
  return parsed.data;
}

/** Written whole to a temporary file then renamed: a stop in the middle never leaves half a file. */
export function writeSandboxSnapshot(stateDir: string, snapshot: SandboxSnapshot): void {
  const file = sandboxSnapshotPath(stateDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(snapshot), { mode: 0o600 });
  renameSync(tmp, file);
}

export function staleSandboxStateLine(stateDir: string): string {
  return (
    `this state (${stateDir}) was left by a sandbox whose data was not kept (an older npm start): ` +
    `its ids are unknown to this new sandbox and the sync will not find them; ${resetHint(stateDir)}`
  );
}
