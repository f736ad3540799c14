/** tajo.slack: a notification through the tenant's Slack lane (1 message a second per channel, threads kept). */
import { randomUUID } from 'node:crypto';
import type { ClientContext } from './context';
import { seg } from './http';
import type { NotifyAnswer, NotifyRequest } from './types';

export class Slack {
  constructor(private readonly ctx: ClientContext) {}

  /**
   * Queues the message (202); Block Kit mistakes are refused with their paths (TajoError issues).
   * One Idempotency-Key per call (yours, or a new one): a retry after a timeout or a 5xx is the same
   * notification, posted once.
   */
  async notify(request: NotifyRequest, options: { idempotencyKey?: string } = {}): Promise<NotifyAnswer> {
    const path = `/tenants/${seg(await this.ctx.tenantId())}/slack/notify`;
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    return this.ctx.request('POST', path, { body: request, idempotencyKey });
  }
}
