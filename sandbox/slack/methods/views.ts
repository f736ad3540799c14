/** Slack simulator: views.open with trigger ids that expire after 3 s and are single-use. */

import { validateView } from '../blocks';
import type { Ctx } from '../gateway';
import { jsonArg, SlackApiError, str, validationFailure } from '../util';
import { UsersMethods } from './users';

const TRIGGER_TTL_MS = 3000;

export abstract class ViewsMethods extends UsersMethods {
  // ===========================================================================================
  // views.open

  protected viewsOpen({ ws, args }: Ctx) {
    const trigger = str(args, 'trigger_id') ?? '';
    if (!trigger.startsWith('trg-')) throw new SlackApiError('invalid_trigger_id');
    if (this.usedTriggers.has(trigger)) throw new SlackApiError('trigger_exchanged');
    const issued = this.triggers.get(trigger);
    if (issued !== undefined && this.clock.now() - issued > TRIGGER_TTL_MS)
      throw new SlackApiError('expired_trigger_id');
    const view = jsonArg(args, 'view', 'invalid_arguments');
    const errors = validateView(view);
    if (errors.length > 0) throw validationFailure('invalid_arguments', errors);
    this.usedTriggers.add(trigger);
    const v = view as Record<string, unknown>;
    const id = this.ids.next('V');
    const rendered = {
      id,
      team_id: ws.teamId,
      type: 'modal',
      blocks: v.blocks,
      private_metadata: v.private_metadata ?? '',
      callback_id: v.callback_id ?? '',
      external_id: v.external_id ?? '',
      state: { values: {} },
      hash: `${this.nowSeconds()}.${id.toLowerCase()}`,
      title: v.title,
      clear_on_close: v.clear_on_close ?? false,
      notify_on_close: v.notify_on_close ?? false,
      close: v.close ?? null,
      submit: v.submit ?? null,
      previous_view_id: null,
      root_view_id: id,
      app_id: ws.appId,
      bot_id: ws.botId,
    };
    ws.views.push({ id, teamId: ws.teamId, triggerId: trigger, view: rendered });
    return { view: rendered };
  }
}
