/** tajo.slack: a notification through the tenant's Slack lane (1 message a second per channel, threads kept). */
import type { ClientContext } from './context';
import { seg } from './http';
import type { NotifyAnswer, NotifyRequest } from './types';

export class Slack {
  constructor(private readonly ctx: ClientContext) {}

  /** Queues the message (202); Block Kit mistakes are refused with their paths (TajoError issues). */
  async notify(request: NotifyRequest): Promise<NotifyAnswer> {
    const path = `/tenants/${seg(await this.ctx.tenantId())}/slack/notify`;
    return this.ctx.request('POST', path, { body: request, idempotent: false });
  }
}
