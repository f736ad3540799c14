/**
 * Playing Notion's webhook delivery against a receiver URL (notion.md §4):
 * - the verification handshake: one unsigned POST of `{"verification_token": "..."}`;
 * - events: the common payload (id, timestamp, workspace/subscription/integration ids, authors,
 *   attempt_number, api_version) plus type, entity and data, signed with
 *   `X-Notion-Signature: sha256=<hex HMAC-SHA256 of the raw body keyed by the verification token>`;
 * - retries (off unless asked): a non-2xx answer or a network error is retried with the next
 *   attempt_number, at most 8 attempts. The body changes with attempt_number, so each attempt is
 *   signed again.
 * Delivery is immediate: Notion's aggregation of frequent events ("within a minute") is not played.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { registerTestSecrets } from '../secrets-registry';
import type { NotionVersion } from './types';

/** Notion's documented ceiling for attempt_number. */
export const MAX_WEBHOOK_ATTEMPTS = 8;

export interface WebhookEntity {
  id: string;
  type: 'page' | 'database' | 'data_source' | 'block' | 'comment' | 'view' | 'file_upload';
}

export interface WebhookAuthor {
  id: string;
  type: 'person' | 'bot';
}

/** One event to deliver; the sender fills in the common fields. */
export interface WebhookEventInput {
  type: string;
  entity: WebhookEntity;
  /** e.g. `{parent, updated_properties}` or `{parent, updated_blocks}`. Default `{}`. */
  data?: Record<string, unknown>;
  authors?: WebhookAuthor[];
  /** Event id; default a new UUID (receivers dedupe on it). */
  id?: string;
  /** ISO timestamp; default now. */
  timestamp?: string;
}

export interface WebhookRetryOptions {
  /** Attempts in all, 1-8. Default 8. */
  maxAttempts?: number;
  /** Wait before attempt n+1 (n = the failed attempt). Default 0 ms (tests); Notion spreads them over hours. */
  delayMs?: number | ((failedAttempt: number) => number);
}

export interface WebhookSenderOptions {
  /** HMAC key of the subscription. Default: a fresh `secret_…` token. */
  verificationToken?: string;
  subscriptionId?: string;
  integrationId?: string;
  workspaceId?: string;
  workspaceName?: string;
  apiVersion?: NotionVersion;
  /** false (default): one attempt. */
  retries?: false | WebhookRetryOptions;
  /** Source of event timestamps. Default Date.now. */
  now?: () => number;
}

export interface WebhookDelivery {
  url: string;
  attempt: number;
  /** HTTP status, or 0 when the request failed (connection refused, reset). */
  status: number;
  body: string;
  signature: string | undefined;
}

export interface WebhookEventResult {
  delivered: boolean;
  /** The payload of the last attempt. */
  payload: Record<string, unknown>;
  attempts: WebhookDelivery[];
}

/** `sha256=<hex>`: what Notion puts in X-Notion-Signature for this raw body. */
export function signWebhookBody(body: string | Buffer, verificationToken: string): string {
  return `sha256=${createHmac('sha256', verificationToken).update(body).digest('hex')}`;
}

export class NotionWebhookSender {
  readonly verificationToken: string;
  readonly subscriptionId: string;
  readonly integrationId: string;
  readonly workspaceId: string;
  readonly workspaceName: string;
  readonly apiVersion: NotionVersion;
  /** Every POST made, in order. */
  readonly deliveries: WebhookDelivery[] = [];
  private readonly retries: false | Required<WebhookRetryOptions>;
  private readonly now: () => number;

  constructor(options: WebhookSenderOptions = {}) {
    this.verificationToken = options.verificationToken ?? `secret_${randomBytes(24).toString('base64url')}`;
    registerTestSecrets(this.verificationToken);
    this.subscriptionId = options.subscriptionId ?? randomUUID();
    this.integrationId = options.integrationId ?? randomUUID();
    this.workspaceId = options.workspaceId ?? randomUUID();
    this.workspaceName = options.workspaceName ?? 'Sandbox';
    this.apiVersion = options.apiVersion ?? '2025-09-03';
    this.now = options.now ?? Date.now;
    const r = options.retries ?? false;
    if (r) {
      const maxAttempts = r.maxAttempts ?? MAX_WEBHOOK_ATTEMPTS;
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_WEBHOOK_ATTEMPTS) {
        throw new Error(`NotionWebhookSender: maxAttempts must be 1-${MAX_WEBHOOK_ATTEMPTS}, got ${maxAttempts}`);
      }
      this.retries = { maxAttempts, delayMs: r.delayMs ?? 0 };
    } else {
      this.retries = false;
    }
  }

  /** The handshake: unsigned `{"verification_token": …}`. Returns the receiver's status. */
  async sendVerification(url: string): Promise<WebhookDelivery> {
    const body = JSON.stringify({ verification_token: this.verificationToken });
    return this.post(url, body, undefined, 1);
  }

  /** The payload Notion would send for `event` at `attempt`. */
  payload(event: WebhookEventInput, attempt: number, id: string, timestamp: string): Record<string, unknown> {
    return {
      id,
      timestamp,
      workspace_id: this.workspaceId,
      workspace_name: this.workspaceName,
      subscription_id: this.subscriptionId,
      integration_id: this.integrationId,
      type: event.type,
      authors: event.authors ?? [],
      attempt_number: attempt,
      api_version: this.apiVersion,
      entity: event.entity,
      data: event.data ?? {},
    };
  }

  /** Deliver one event, retrying (when enabled) while the receiver answers non-2xx. */
  async sendEvent(url: string, event: WebhookEventInput): Promise<WebhookEventResult> {
    const id = event.id ?? randomUUID();
    const timestamp = event.timestamp ?? new Date(this.now()).toISOString();
    const max = this.retries ? this.retries.maxAttempts : 1;
    const attempts: WebhookDelivery[] = [];
    let payload: Record<string, unknown> = {};
    for (let attempt = 1; attempt <= max; attempt++) {
      payload = this.payload(event, attempt, id, timestamp);
      const body = JSON.stringify(payload);
      const delivery = await this.post(url, body, signWebhookBody(body, this.verificationToken), attempt);
      attempts.push(delivery);
      if (delivery.status >= 200 && delivery.status < 300) return { delivered: true, payload, attempts };
      if (this.retries && attempt < max) {
        const d = this.retries.delayMs;
        const wait = typeof d === 'function' ? d(attempt) : d;
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    return { delivered: false, payload, attempts };
  }

  private async post(url: string, body: string, signature: string | undefined, attempt: number) {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'notion-api' };
    if (signature) headers['x-notion-signature'] = signature;
    let status = 0;
    try {
      const res = await fetch(url, { method: 'POST', headers, body });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    const delivery: WebhookDelivery = { url, attempt, status, body, signature };
    this.deliveries.push(delivery);
    return delivery;
  }
}

/** One-off handshake with a fresh (or given) token; returns the token and the receiver's status. */
export async function sendVerification(
  url: string,
  verificationToken?: string,
): Promise<{ verificationToken: string; status: number }> {
  const sender = new NotionWebhookSender({ verificationToken });
  const d = await sender.sendVerification(url);
  return { verificationToken: sender.verificationToken, status: d.status };
}

/** One-off signed event delivery (retries as configured; none by default). */
export async function sendEvent(
  url: string,
  event: WebhookEventInput,
  options: WebhookSenderOptions & { verificationToken: string },
): Promise<WebhookEventResult> {
  return new NotionWebhookSender(options).sendEvent(url, event);
}
