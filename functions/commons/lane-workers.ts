/**
 * Each lane's record step, the Lambda plumbing of its worker: the service it calls, and what a
 * failure does to the queue (park the group for a rate limit; take anything else out of the
 * group's way through takeOutOfTheWay). The handlers run them through processLaneBatch.
 */
import type { Context, SQSRecord } from 'aws-lambda';
import { outageRetryDelayMs, providerDown } from '../../shared/app/health';
import { handPlatformEvents } from '../../shared/app/platform-events';
import { handCommerceEvent } from '../../shared/app/skills/abandoned-cart';
import { topology } from '../../shared/app/topology';
import { handlePlatformLaneMessage } from '../../shared/connectors/custom/ingress/worker';
import { failedRunOf, handleNotionLaneMessage, ParkLane, wasFinishedBefore } from '../../shared/connectors/notion/lane';
import { performBrevoAction } from '../../shared/connectors/slack/interactions';
import { postSlackBatch } from '../../shared/connectors/slack/notifications/delivery';
import type { ProviderEndpoints } from '../../shared/core/connector';
import { failureReason, isInternalError, RateLimitedError } from '../../shared/core/errors';
import { currentDeadline } from '../../shared/core/http/retry-policy';
import { MAX_ATTEMPTS, openLaneMessage } from '../../shared/core/lanes/lane-retry';
import { invocationDeadline } from './deadline';
import { type HandlerDeps, storePorts } from './deps';
import { takeOutOfTheWay } from './lane-batch';
import { logger, recordBrevoActionFailed, recordNotifications, recordRun } from './powertools';

const NOTION_STORES = [
  'connections',
  'cursors',
  'runs',
  'webhooks',
  'markers',
  'pageWrites',
  'imported',
  'publications',
  'budgets',
] as const;

/**
 * The Notion lane (notion-worker): one lane message = one sync step. A provider's rate limit
 * (ParkLane) hides the message for its Retry-After and so holds back the whole group on purpose:
 * every other step of that integration would hit the same limit. Any other failure is taken out of
 * the group's way (takeOutOfTheWay): retried after a backoff through the timer queue (the group goes
 * on with its other work meanwhile), then, after the last attempt, put in the lane's dead-letter
 * queue with its reason.
 */
export async function notionLaneStep(d: HandlerDeps, record: SQSRecord, context: Context): Promise<void> {
  const opened = openLaneMessage(record.body);
  const lastAttempt =
    opened.failedAttempts + 1 >= MAX_ATTEMPTS ||
    Number(record.attributes.ApproximateReceiveCount) >= topology.queues.notionLane.maxReceiveCount;
  try {
    await handleNotionLaneMessage(
      { ...d, ...storePorts(d, ...NOTION_STORES), log: (level, msg, data) => logger[level](msg, { ...data }) },
      opened.body,
      { deadline: invocationDeadline(context, d.clock.now()), lastAttempt, groupId: record.attributes.MessageGroupId },
    ).then((run) => (wasFinishedBefore(run) ? run : recordRun(run)));
  } catch (err) {
    // A run failed on its last attempt is thrown (to be dead-lettered) with its record: counted once here.
    recordRun(failedRunOf(err));
    if (err instanceof ParkLane) {
      await d.lane.park('notionLane', record.receiptHandle, err.delayMs);
      logger.warn('lane parked', { delayMs: err.delayMs, messageId: record.messageId });
      throw err;
    }
    const reason = failureReason(err);
    const messageId = record.messageId;
    // A provider's refusal is one line; only an internal error keeps its stack for debugging.
    const error = isInternalError(err) ? (err as Error) : reason;
    const retried = await takeOutOfTheWay(d, {
      queue: 'notionLane',
      record,
      opened,
      reason,
      park: !lastAttempt,
      log: {
        retried: (r) =>
          logger.error(
            r.outcome === 'retry'
              ? 'lane step failed; retried later, out of its group’s way'
              : 'lane step failed for the last time; put in the dead-letter queue with its reason',
            { error, messageId, ...r },
          ),
        notSent: (sendErr) =>
          logger.error('lane step failed and could not be re-sent; the queue retries it', {
            error: err as Error,
            sendError: sendErr.message,
            messageId,
          }),
      },
    });
    if (!retried) throw err; // acknowledged when retried: its retry (or dead letter) is on its way
  }
}

/**
 * Brevo work from Slack (brevo-worker). Brevo's 429 hides the message for its Retry-After and holds
 * back the rest of its group (the tenant's Brevo account) on purpose: the next action would hit the
 * same limit. Any other failure is taken out of the group's way (retried after a backoff through
 * the timer queue, then dead-lettered with its reason), so one bad action never stalls the tenant's
 * others.
 */
export async function brevoActionStep(d: HandlerDeps, r: SQSRecord): Promise<void> {
  const opened = openLaneMessage(r.body);
  try {
    await performBrevoAction(
      {
        ...storePorts(d, 'connections'),
        secrets: d.secrets,
        oauthTokens: d.oauthTokens,
        clock: d.clock,
        brevoBaseUrl: d.endpoints.brevoBaseUrl,
        slackApiUrl: d.endpoints.slackApiUrl,
        log: (msg, data) => logger.warn(msg, data),
      },
      opened.body,
      r.attributes.MessageGroupId,
    );
  } catch (err) {
    if (err instanceof RateLimitedError) {
      await d.lane.park('brevoLane', r.receiptHandle, err.retryAfterMs);
      logger.warn('Brevo rate limit: the lane waits', { delayMs: err.retryAfterMs });
      throw err;
    }
    recordBrevoActionFailed();
    const retried = await takeOutOfTheWay(d, {
      queue: 'brevoLane',
      record: r,
      opened,
      error: err,
      log: {
        retried: (res) =>
          logger.error('Brevo action failed; retried out of its group’s way, then dead-lettered', {
            error: isInternalError(err) ? (err as Error) : failureReason(err),
            ...res,
          }),
        notSent: (sendErr) =>
          logger.error('Brevo action failed and could not be re-sent; the queue retries it', {
            error: err as Error,
            sendError: sendErr.message,
          }),
      },
    });
    if (!retried) throw err;
  }
}

/**
 * A message group of the Slack lane (slack-worker): one channel's notifications, posted together
 * (a burst becomes a digest). A Slack 429 hides the group's messages for its Retry-After, and Slack
 * unreachable for a wait that grows with each receive: the whole channel waits on purpose (its next
 * post would meet the same limit or outage). A post Slack refuses is taken out of the channel's way
 * instead (lane-retry.ts): retried after a backoff, then dead-lettered with a reason. Returns the
 * ids that fail back to the queue.
 */
export async function postSlackGroup(d: HandlerDeps, records: SQSRecord[]): Promise<ReadonlySet<string>> {
  const opened = new Map(records.map((r) => [r.messageId, openLaneMessage(r.body)]));
  const failures = new Set<string>();
  try {
    const res = await postSlackBatch(
      {
        ...storePorts(d, 'connections', 'threads', 'deliveries', 'pending'),
        secrets: d.secrets,
        oauthTokens: d.oauthTokens,
        clock: d.clock,
        slackApiUrl: d.endpoints.slackApiUrl,
        log: (msg, data) => logger.warn(msg, data),
      },
      records.map((r) => ({
        id: r.messageId,
        body: opened.get(r.messageId)?.body ?? r.body,
        groupId: r.attributes.MessageGroupId,
        // Delivered before: its post may have been made (answer lost, or the invocation died before
        // marking it), so the worker looks for it by its key before posting again.
        redelivered:
          Number(r.attributes.ApproximateReceiveCount) > 1 || (opened.get(r.messageId)?.failedAttempts ?? 0) > 0,
      })),
    );
    recordNotifications(res);
    // Refused or unreadable messages are taken out of the channel's way (retried after a
    // backoff, then dead-lettered with the reason): the channel's next notifications go on.
    for (const id of res.failed) {
      const r = records.find((x) => x.messageId === id) as SQSRecord;
      const retried = await takeOutOfTheWay(d, {
        queue: 'slackLane',
        record: r,
        opened: opened.get(id) ?? openLaneMessage(r.body),
        reason: 'Slack refused the post or the message is unreadable (status slack shows the reason)',
        park: false,
        log: {
          retried: (out) =>
            logger.error('Slack post failed; retried out of the channel’s way', { messageId: id, ...out }),
          notSent: (sendErr) =>
            logger.error('Slack post failed and could not be re-sent; the queue retries it', {
              messageId: id,
              sendError: sendErr.message,
            }),
        },
      });
      if (!retried) failures.add(id);
    }
  } catch (err) {
    // Slack's Retry-After; anything else (Slack down, mostly): a wait growing with each receive.
    const receives = Math.max(...records.map((r) => Number(r.attributes.ApproximateReceiveCount) || 1));
    const delay = err instanceof RateLimitedError ? err.retryAfterMs : outageRetryDelayMs(receives);
    await Promise.all(records.map((r) => d.lane.park('slackLane', r.receiptHandle, delay)));
    // A provider down or a rate limit is expected: one line; anything else keeps its stack for debugging.
    const expected = err instanceof RateLimitedError || providerDown(err) !== undefined;
    logger.warn('Slack group retried later', {
      error: expected ? (err as Error).message : (err as Error),
      delayMs: delay,
    });
    for (const r of records) failures.add(r.messageId);
  }
  return failures;
}

/**
 * The platform lane (platform-worker): a webhook delivery written to Brevo once (its events handed
 * to Slack notifications and Notion rules). Brevo's 429 parks the group (the tenant's connection):
 * its next delivery would meet the same limit. Any other failure is taken out of the group's way
 * (retried after a backoff through the timer queue, then dead-lettered with its reason).
 */
export async function platformLaneStep(d: HandlerDeps, r: SQSRecord): Promise<void> {
  const opened = openLaneMessage(r.body);
  const log = (level: 'info' | 'warn' | 'error', msg: string, data: Record<string, unknown>) =>
    logger[level](msg, data);
  try {
    const out = await handlePlatformLaneMessage(
      {
        connections: d.store,
        deliveries: d.store,
        cursors: d.store,
        runs: d.store,
        lane: d.lane,
        // The platforms' base-URL overrides (SHOPIFY_BASE_URL...) with the providers' (Endpoints is their typed view).
        endpoints: { ...d.endpoints } as ProviderEndpoints,
        deadline: currentDeadline(),
        secrets: d.secrets,
        clock: d.clock,
        brevoBaseUrl: d.endpoints.brevoBaseUrl,
        handEvents: (tenantId, events) =>
          handPlatformEvents(
            {
              connections: d.store,
              lane: d.lane,
              orders: d.store,
              pending: d.store,
              clock: d.clock,
              events: d.events,
              log: (m, x) => logger.warn(m, x),
            },
            tenantId,
            events,
          ),
        handCommerceEvent: (tenantId, event) =>
          handCommerceEvent(
            { skills: d.store, orders: d.store, carts: d.store, connections: d.store, lane: d.lane, clock: d.clock },
            tenantId,
            event,
          ).then((out) => {
            if (out.skipped)
              logger.info('skills: nothing to do for this platform event', { tenantId, why: out.skipped });
          }),
        log,
      },
      opened.body,
      r.attributes.MessageGroupId,
    );
    logger.info('platform lane message done', { ...out, messageId: r.messageId });
  } catch (err) {
    if (err instanceof RateLimitedError) {
      await d.lane.park('platformLane', r.receiptHandle, err.retryAfterMs);
      logger.warn('Brevo rate limit: the platform lane waits', { delayMs: err.retryAfterMs });
      throw err;
    }
    const retried = await takeOutOfTheWay(d, {
      queue: 'platformLane',
      record: r,
      opened,
      error: err,
      log: {
        retried: (res) =>
          logger.error('platform delivery failed; retried out of its group’s way, then dead-lettered', {
            error: isInternalError(err) ? (err as Error) : failureReason(err),
            ...res,
          }),
        notSent: (sendErr) =>
          logger.error('platform delivery failed and could not be re-sent; the queue retries it', {
            error: err as Error,
            sendError: sendErr.message,
          }),
      },
    });
    if (!retried) throw err;
  }
}
