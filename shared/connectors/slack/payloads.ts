/**
 * What Slack posts to the ingress, checked at run time for the part we read: interaction payloads
 * (block actions, view submissions, message shortcuts) and the Events API envelope, with the
 * fields that name the installation. @slack/bolt's payload types say what Slack sends; they are
 * compile-time only and trust the sender, so these schemas check, and the types below make sure
 * each schema accepts every payload Bolt's type describes (a schema stricter than Slack's payload
 * would refuse real clicks; a Bolt upgrade that changes a field we read fails the typecheck).
 * Type-only imports: nothing of Bolt is bundled.
 */
import type { BlockAction, EnvelopedEvent, MessageShortcut, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';

export const blockActions = z.looseObject({
  type: z.literal('block_actions'),
  trigger_id: z.string().optional(),
  actions: z.array(
    z.looseObject({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional() }),
  ),
});
export const viewSubmission = z.looseObject({
  type: z.literal('view_submission'),
  view: z.looseObject({
    id: z.string(),
    callback_id: z.string(),
    hash: z.string().optional(),
    state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), z.looseObject({}))) }),
  }),
});
export const messageAction = z.looseObject({
  type: z.literal('message_action'),
  callback_id: z.string(),
  action_ts: z.string().optional(),
  trigger_id: z.string().optional(),
  message: z.looseObject({ ts: z.string(), user: z.string().optional() }),
});

export const eventsEnvelope = z.looseObject({
  type: z.string().optional(),
  challenge: z.string().optional(),
  event: z.looseObject({ type: z.string().optional() }).optional(),
});

const idOrNull = z.string().min(1).nullish().catch(undefined);
export const eventsTeam = z.looseObject({
  team_id: idOrNull,
  enterprise_id: idOrNull,
  // The installation the event is delivered for; in Slack Connect channels `team_id` may be the
  // other organisation's workspace, this is ours.
  authorizations: z
    .array(z.looseObject({ team_id: idOrNull, enterprise_id: idOrNull, is_enterprise_install: z.boolean().optional() }))
    .optional()
    .catch(undefined),
});
export const interactionTeam = z.looseObject({
  team: z.looseObject({ id: idOrNull }).nullish().catch(undefined),
  user: z.looseObject({ team_id: idOrNull }).nullish().catch(undefined),
  enterprise: z.looseObject({ id: idOrNull }).nullish().catch(undefined),
  is_enterprise_install: z.boolean().optional().catch(undefined),
});

/** A schema's fields by name, index signatures (loose objects, records) left out. */
type NamedFields<T> = T extends readonly (infer U)[]
  ? NamedFields<U>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: NamedFields<T[K]> }
    : T;
/** True when every payload of Bolt's type passes our schema (its named fields, at least). */
type AcceptsBolt<Bolt, Schema extends z.ZodType> = Bolt extends NamedFields<z.input<Schema>> ? true : false;
type MustHold<T extends true> = T;

/** Compile-time only: each schema accepts what @slack/bolt says Slack sends. */
export type BoltPayloadsAccepted = [
  MustHold<AcceptsBolt<BlockAction, typeof blockActions>>,
  MustHold<AcceptsBolt<ViewSubmitAction, typeof viewSubmission>>,
  MustHold<AcceptsBolt<MessageShortcut, typeof messageAction>>,
  MustHold<AcceptsBolt<EnvelopedEvent, typeof eventsEnvelope>>,
  MustHold<AcceptsBolt<EnvelopedEvent, typeof eventsTeam>>,
  MustHold<AcceptsBolt<BlockAction, typeof interactionTeam>>,
  MustHold<AcceptsBolt<ViewSubmitAction, typeof interactionTeam>>,
  MustHold<AcceptsBolt<MessageShortcut, typeof interactionTeam>>,
];
