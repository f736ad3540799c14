/** Brevo simulator, email campaigns: create, schedule, list with statistics. */

import type { SimRequest, SimResponse } from '../../http-kit';
import { err, isIsoDateTime, isPlainObject, isPositiveInt } from '../model';
import { optIntArray, page, sortDir } from '../params';
import type { SimCampaign, SimCampaignStats, SimSender } from '../types';
import { EventsApi } from './events';

export abstract class CampaignsApi extends EventsApi {
  // -------------------------------------------------------------------------------------------
  // Campaigns, webhooks

  protected createCampaign(b: Record<string, unknown>): SimResponse {
    if (typeof b.name !== 'string' || b.name.trim() === '') throw err(400, 'missing_parameter', 'name is missing');
    if (b.tag !== undefined) {
      throw err(405, 'method_not_allowed', 'tag is not available on your plan');
    }
    const sender = b.sender;
    if (sender === undefined) throw err(400, 'missing_parameter', 'sender is missing');
    if (!isPlainObject(sender)) throw err(400, 'invalid_parameter', 'sender must be an object');
    if ((sender.email === undefined) === (sender.id === undefined)) {
      throw err(400, 'invalid_parameter', 'sender needs exactly one of email or id');
    }
    let known: SimSender | undefined;
    if (sender.id !== undefined) known = isPositiveInt(sender.id) ? this.senderMap.get(sender.id) : undefined;
    else {
      const email = typeof sender.email === 'string' ? sender.email.toLowerCase() : '';
      known = [...this.senderMap.values()].find((s) => s.email.toLowerCase() === email);
    }
    if (!known?.active) throw err(400, 'invalid_parameter', 'Sender is invalid / inactive');
    const abTesting = b.abTesting === true;
    if (!abTesting && (typeof b.subject !== 'string' || b.subject.trim() === '')) {
      throw err(400, 'missing_parameter', 'subject is missing');
    }
    const contentKeys = (['htmlContent', 'htmlUrl', 'templateId'] as const).filter((k) => b[k] !== undefined);
    if (contentKeys.length !== 1) {
      throw err(400, 'invalid_parameter', 'Exactly one of htmlContent, htmlUrl or templateId is required');
    }
    if (b.htmlContent !== undefined && (typeof b.htmlContent !== 'string' || b.htmlContent === '')) {
      throw err(400, 'invalid_parameter', 'htmlContent must be a non-empty string');
    }
    if (b.htmlUrl !== undefined && (typeof b.htmlUrl !== 'string' || !URL.canParse(b.htmlUrl))) {
      throw err(400, 'invalid_parameter', 'htmlUrl must be a URL');
    }
    if (b.templateId !== undefined && !isPositiveInt(b.templateId)) {
      throw err(400, 'invalid_parameter', 'templateId must be a positive integer');
    }
    let recipients: SimCampaign['recipients'];
    if (b.recipients !== undefined) {
      if (!isPlainObject(b.recipients)) throw err(400, 'invalid_parameter', 'recipients must be an object');
      const r = b.recipients;
      recipients = {};
      const listIds = this.requireLists(optIntArray(r.listIds, 'recipients.listIds'), 'recipients.listIds');
      const exclusion = this.requireLists(
        optIntArray(r.exclusionListIds, 'recipients.exclusionListIds'),
        'recipients.exclusionListIds',
      );
      const segments = optIntArray(r.segmentIds, 'recipients.segmentIds');
      if (listIds.length > 0) recipients.listIds = listIds;
      if (exclusion.length > 0) recipients.exclusionListIds = exclusion;
      if (segments && segments.length > 0) recipients.segmentIds = segments;
    }
    if (b.scheduledAt !== undefined) {
      if (!isIsoDateTime(b.scheduledAt)) {
        throw err(400, 'invalid_parameter', 'scheduledAt must be an ISO date-time with a timezone');
      }
      if (!recipients?.listIds?.length) {
        throw err(400, 'missing_parameter', 'recipients.listIds is mandatory when scheduledAt is set');
      }
    }
    const campaign: SimCampaign = {
      id: this.nextCampaignId++,
      name: b.name,
      sender: { ...(sender as SimCampaign['sender']) },
      status: 'draft',
      createdAt: this.iso(),
    };
    if (typeof b.subject === 'string') campaign.subject = b.subject;
    if (recipients) campaign.recipients = recipients;
    if (typeof b.htmlContent === 'string') campaign.htmlContent = b.htmlContent;
    if (typeof b.htmlUrl === 'string') campaign.htmlUrl = b.htmlUrl;
    if (typeof b.templateId === 'number') campaign.templateId = b.templateId;
    if (typeof b.scheduledAt === 'string') {
      campaign.scheduledAt = b.scheduledAt;
      campaign.status = 'queued';
    }
    this.campaignMap.set(campaign.id, campaign);
    return { status: 201, body: { id: campaign.id } };
  }

  /**
   * `GET /v3/emailCampaigns` (Brevo API reference, getEmailCampaigns): filters type, status,
   * startDate/endDate (both or neither, ISO date-times, only with status sent or none, on the sent
   * date, inclusive), statistics (one kind, or the full set when absent), limit ≤ 100 (default 50),
   * offset, sort by creation (default desc), excludeHtmlContent. Answers {campaigns, count}.
   */
  protected listCampaigns(req: SimRequest): SimResponse {
    const { limit, offset } = page(req, 50, 100);
    const type = req.query.get('type');
    if (type !== null && type !== 'classic' && type !== 'trigger') {
      throw err(400, 'invalid_parameter', 'type must be classic or trigger');
    }
    const status = req.query.get('status');
    const statuses = ['draft', 'sent', 'archive', 'queued', 'suspended', 'in_process'];
    if (status !== null && !statuses.includes(status)) {
      throw err(400, 'invalid_parameter', `status must be one of ${statuses.join(', ')}`);
    }
    const statistics = req.query.get('statistics');
    const kinds = ['globalStats', 'linksStats', 'statsByDomain', 'statsByDevice', 'statsByBrowser'];
    if (statistics !== null && !kinds.includes(statistics)) {
      throw err(400, 'invalid_parameter', `statistics must be one of ${kinds.join(', ')}`);
    }
    const startRaw = req.query.get('startDate');
    const endRaw = req.query.get('endDate');
    if ((startRaw === null) !== (endRaw === null)) {
      throw err(400, 'missing_parameter', 'startDate and endDate must be passed together');
    }
    let range: { start: number; end: number } | undefined;
    if (startRaw !== null && endRaw !== null) {
      if (status !== null && status !== 'sent') {
        throw err(400, 'invalid_parameter', 'startDate and endDate are only available for sent campaigns');
      }
      if (!isIsoDateTime(startRaw) || !isIsoDateTime(endRaw)) {
        throw err(400, 'invalid_parameter', 'startDate and endDate must be ISO date-times (YYYY-MM-DDTHH:mm:ss.SSSZ)');
      }
      range = { start: Date.parse(startRaw), end: Date.parse(endRaw) };
      if (range.start > range.end) throw err(400, 'invalid_parameter', 'startDate must be before endDate');
    }
    const exclude = req.query.get('excludeHtmlContent');
    if (exclude !== null && exclude !== 'true' && exclude !== 'false') {
      throw err(400, 'invalid_parameter', 'excludeHtmlContent must be true or false');
    }
    let all = [...this.campaignMap.values()];
    if (type === 'trigger') all = [];
    if (status !== null) all = all.filter((c) => c.status === status);
    if (range) {
      const { start, end } = range;
      all = all.filter((c) => {
        if (c.status !== 'sent' || c.sentAt === undefined) return false;
        const t = Date.parse(c.sentAt);
        return t >= start && t <= end;
      });
    }
    if (sortDir(req) === 'desc') all.reverse();
    const campaigns = all.slice(offset, offset + limit).map((c) => {
      const g = this.globalStats(c);
      const full = {
        globalStats: g,
        campaignStats: (c.recipients?.listIds ?? []).map((listId) => ({ ...g, listId })),
        mirrorClick: 0,
        remaining: 0,
        linksStats: {},
        statsByDomain: {},
        statsByDevice: {},
        statsByBrowser: {},
      };
      const out: Record<string, unknown> = {
        id: c.id,
        name: c.name,
        subject: c.subject,
        type: 'classic',
        status: c.status,
        testSent: false,
        header: '',
        footer: '',
        sender: { ...c.sender },
        replyTo: c.sender.email ?? '',
        htmlContent: exclude === 'true' ? '' : (c.htmlContent ?? ''),
        createdAt: c.createdAt,
        modifiedAt: c.sentAt ?? c.createdAt,
        recipients: { lists: [...(c.recipients?.listIds ?? [])], exclusionLists: [] },
        statistics: statistics === null ? full : { [statistics]: (full as Record<string, unknown>)[statistics] ?? {} },
      };
      if (c.scheduledAt !== undefined) out.scheduledAt = c.scheduledAt;
      if (c.sentAt !== undefined) out.sentDate = c.sentAt;
      return out;
    });
    return { status: 200, body: { campaigns, count: all.length } };
  }

  protected globalStats(c: SimCampaign): SimCampaignStats & { opensRate: number } {
    const s = c.stats ?? {};
    const g: SimCampaignStats = {
      sent: s.sent ?? 0,
      delivered: s.delivered ?? 0,
      uniqueViews: s.uniqueViews ?? 0,
      viewed: s.viewed ?? s.uniqueViews ?? 0,
      uniqueClicks: s.uniqueClicks ?? 0,
      clickers: s.clickers ?? s.uniqueClicks ?? 0,
      unsubscriptions: s.unsubscriptions ?? 0,
      hardBounces: s.hardBounces ?? 0,
      softBounces: s.softBounces ?? 0,
      complaints: s.complaints ?? 0,
      trackableViews: s.trackableViews ?? s.uniqueViews ?? 0,
      appleMppOpens: s.appleMppOpens ?? 0,
    };
    const opensRate = g.delivered > 0 ? Math.round((g.uniqueViews / g.delivered) * 10_000) / 100 : 0;
    return { ...g, opensRate };
  }
}
