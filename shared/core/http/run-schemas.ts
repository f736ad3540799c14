/**
 * Answer schemas of what a run record holds, shared by the routes that show runs (the app's run
 * view, a connector's own run views such as Notion's imports): one description of each.
 */
import { z } from 'zod';
import type { RowError, RunRecord } from '../ports';

export const rowErrorSchema = z
  .strictObject({
    pageId: z.string(),
    property: z.string().optional(),
    attribute: z.string().optional(),
    kind: z.literal('field').optional(),
    reason: z.string(),
  })
  .meta({ id: 'RowError', description: 'A record not (or not wholly) written: which one and why' });

export const runStatusSchema = z.enum(['running', 'succeeded', 'failed']);
export const runTriggerSchema = z.enum(['cli', 'schedule', 'api', 'local', 'webhook']);

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _checks: [
  Same<z.output<typeof rowErrorSchema>, RowError>,
  Same<z.output<typeof runStatusSchema>, RunRecord['status']>,
  Same<z.output<typeof runTriggerSchema>, RunRecord['trigger']>,
] = [true, true, true];
void _checks;
