/**
 * Brevo's email campaigns as publishing and the Slack summaries use them: what a campaign creation
 * sends, and the schemas of what Brevo answers (senders, campaign references, the pages of contacts
 * and sent campaigns the marketing figures read).
 */
import { z } from 'zod';
import { maybe } from '../http/answer';

/** GET /v3/contacts allows up to 1000 a page (Brevo API reference; default 50). */
export const BREVO_CONTACTS_PAGE = 1000;
/** GET /v3/emailCampaigns allows up to 100 a page (Brevo API reference; default 50). */
export const BREVO_CAMPAIGNS_PAGE = 100;

/** One sent campaign's global statistics, as the Slack summaries show them. */
export interface CampaignFigures {
  id: number;
  name: string;
  subject?: string;
  sentDate?: string;
  sent: number;
  delivered: number;
  uniqueOpens: number;
  uniqueClicks: number;
  unsubscriptions: number;
  hardBounces: number;
}

export const contactsPageSchema = z.looseObject({
  contacts: maybe(
    z.array(
      z.looseObject({
        id: z.number(),
        emailBlacklisted: maybe(z.boolean()),
        createdAt: z.string(),
        modifiedAt: maybe(z.string()),
      }),
    ),
  ).transform((c) => c ?? []),
});
const statNumber = maybe(z.number());
export const campaignsPageSchema = z.looseObject({
  campaigns: maybe(
    z.array(
      z.looseObject({
        id: z.number(),
        name: z.string(),
        subject: maybe(z.string()),
        sentDate: maybe(z.string()),
        statistics: maybe(
          z.looseObject({
            globalStats: maybe(
              z.looseObject({
                sent: statNumber,
                delivered: statNumber,
                uniqueViews: statNumber,
                uniqueClicks: statNumber,
                unsubscriptions: statNumber,
                hardBounces: statNumber,
              }),
            ),
          }),
        ),
      }),
    ),
  ).transform((c) => c ?? []),
});

/** `GET /v3/senders` items (brevo.md §5): `ips` and other extras are optional; `active` may be missing. */
export const senderSchema = z.looseObject({
  id: z.number(),
  name: maybe(z.string()).transform((n) => n ?? ''),
  email: z.string(),
  // A sender Brevo does not say is active is not used to send (publishing refuses it).
  active: maybe(z.boolean()).transform((a) => a ?? false),
});
export type BrevoSender = z.infer<typeof senderSchema>;

export const campaignRefSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  status: z.string(),
  scheduledAt: maybe(z.string()),
  sentDate: maybe(z.string()),
});
export type BrevoCampaignRef = z.infer<typeof campaignRefSchema>;

/** What publishing sends to `POST /v3/emailCampaigns`. */
export interface NewEmailCampaign {
  name: string;
  subject: string;
  /** A sender of the account: by email (and name), or by id (brevo.md §5: one or the other). */
  sender: { email: string; name?: string } | { id: number };
  htmlContent: string;
  listIds: number[];
  /** ISO date-time with offset; absent: a draft, sent with sendCampaignNow. */
  scheduledAt?: string;
  replyTo?: string;
  previewText?: string;
}
