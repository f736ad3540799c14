/**
 * Brevo API v3 simulator: an in-process loopback server that enforces what brevo.md documents
 * (auth, per-account fixed-window rate limits with x-sib-ratelimit-* headers, attribute typing with
 * silent drops, async imports, the deprecated batch endpoint, list and event limits) so a client that
 * breaks the rules fails in tests. State is plain Maps so 10k contacts import in milliseconds.
 *
 * The simulator is built in layers, one concept per file, each extending the one before:
 * BrevoAccount (account.ts: state, control API, snapshots) <- BrevoGateway (gateway.ts: auth, rate
 * limits, failure injection, record lookups) <- ContactsApi <- ImportsApi <- EventsApi <- CampaignsApi
 * <- WebhooksApi (endpoints/) <- BrevoSimulator (simulator.ts: the HTTP routes).
 */

import { WebhooksApi } from './endpoints/webhooks';
import { type AttributeInput, attributeJson, err, isIsoDateTime, isPositiveInt } from './model';
import { body, page, sortDir } from './params';
import type { BrevoSimulatorOptions } from './types';

export class BrevoSimulator extends WebhooksApi {
  constructor(options: BrevoSimulatorOptions = {}) {
    super(options);
    this.registerRoutes();
  }

  // -------------------------------------------------------------------------------------------
  // Routes

  protected registerRoutes(): void {
    this.on('GET', '/v3/account', () => ({
      status: 200,
      body: {
        email: 'owner@sandbox.example',
        firstName: 'Sandbox',
        lastName: 'Owner',
        companyName: 'Sandbox',
        address: { street: '', city: '', zipCode: '', country: '' },
        plan: [{ type: 'free', credits: 300, creditsType: 'sendLimit' }],
      },
    }));

    // Attributes
    this.on('GET', '/v3/contacts/attributes', () => ({
      status: 200,
      body: { attributes: [...this.attributes.values()].map(attributeJson) },
    }));
    this.on('POST', '/v3/contacts/attributes/:category/:name', (req) => {
      const b = body(req);
      this.addAttribute({
        name: req.params.name ?? '',
        category: req.params.category as AttributeInput['category'],
        type: b.type as AttributeInput['type'],
        enumeration: b.enumeration as AttributeInput['enumeration'],
        multiCategoryOptions: b.multiCategoryOptions as AttributeInput['multiCategoryOptions'],
        value: b.value as string | undefined,
        isRecurring: b.isRecurring as boolean | undefined,
      });
      return { status: 201 };
    });

    // Folders
    this.on('GET', '/v3/contacts/folders', (req) => {
      const { limit, offset } = page(req, 10, 50);
      const all = [...this.folderMap.values()];
      return {
        status: 200,
        body: { folders: all.slice(offset, offset + limit).map((f) => this.folderJson(f)), count: all.length },
      };
    });
    this.on('POST', '/v3/contacts/folders', (req) => {
      const b = body(req);
      if (typeof b.name !== 'string' || b.name.trim() === '') throw err(400, 'missing_parameter', 'name is missing');
      return { status: 201, body: { id: this.addFolder(b.name).id } };
    });
    this.on('GET', '/v3/contacts/folders/:id', (req) => ({
      status: 200,
      body: this.folderJson(this.folderOr404(req)),
    }));
    this.on('GET', '/v3/contacts/folders/:id/lists', (req) => {
      const folder = this.folderOr404(req);
      const { limit, offset } = page(req, 10, 50);
      const all = [...this.listMap.values()].filter((l) => l.folderId === folder.id);
      return {
        status: 200,
        body: { lists: all.slice(offset, offset + limit).map((l) => this.listJson(l)), count: all.length },
      };
    });

    // Lists
    this.on('GET', '/v3/contacts/lists', (req) => {
      const { limit, offset } = page(req, 10, 50);
      const all = [...this.listMap.values()];
      if (sortDir(req) === 'desc') all.reverse();
      return {
        status: 200,
        body: { lists: all.slice(offset, offset + limit).map((l) => this.listJson(l)), count: all.length },
      };
    });
    this.on('POST', '/v3/contacts/lists', (req) => {
      const b = body(req);
      if (typeof b.name !== 'string' || b.name.trim() === '') throw err(400, 'missing_parameter', 'name is missing');
      if (b.folderId === undefined) throw err(400, 'missing_parameter', 'folderId is missing');
      if (!isPositiveInt(b.folderId) || !this.folderMap.has(b.folderId)) {
        throw err(400, 'invalid_parameter', 'Folder ID does not exist');
      }
      return { status: 201, body: { id: this.addList({ name: b.name, folderId: b.folderId }).id } };
    });
    this.on('GET', '/v3/contacts/lists/:id', (req) => ({ status: 200, body: this.listJson(this.listOr404(req)) }));
    this.on('DELETE', '/v3/contacts/lists/:id', (req) => {
      const list = this.listOr404(req);
      for (const cid of this.members.get(list.id) ?? []) this.contactMap.get(cid)?.listIds.delete(list.id);
      this.members.delete(list.id);
      this.listMap.delete(list.id);
      return { status: 204 };
    });
    this.on('GET', '/v3/contacts/lists/:id/contacts', (req) => {
      const list = this.listOr404(req);
      const { limit, offset } = page(req, 50, 500);
      const ids = [...(this.members.get(list.id) ?? [])].sort((a, b) => a - b);
      if (sortDir(req) === 'desc') ids.reverse();
      const contacts = ids.slice(offset, offset + limit).map((id) => this.contactJson(this.contactMap.get(id)!));
      return { status: 200, body: { contacts, count: ids.length } };
    });
    this.on('POST', '/v3/contacts/lists/:id/contacts/add', (req) => this.changeMembership(req, 'add'));
    this.on('POST', '/v3/contacts/lists/:id/contacts/remove', (req) => this.changeMembership(req, 'remove'));

    // Import, deprecated batch
    this.on('POST', '/v3/contacts/import', (req) => this.startImport(req));
    this.on('POST', '/v3/contacts/batch', () => {
      this.deprecatedBatchCalls += 1;
      return {
        status: 410,
        body: { code: 'method_not_allowed', message: 'This endpoint is deprecated; use /v3/contacts/import' },
      };
    });

    // Contacts
    this.on('POST', '/v3/contacts', (req) => this.createContact(body(req), true));
    this.on('GET', '/v3/contacts', (req) => {
      const { limit, offset } = page(req, 50, 1000);
      let all = [...this.contactMap.values()];
      const since = (name: string): number | undefined => {
        const raw = req.query.get(name);
        if (raw === null) return undefined;
        // Brevo documents YYYY-MM-DDTHH:mm:ss.SSSZ (or with an offset): a bare date is refused.
        if (!isIsoDateTime(raw)) throw err(400, 'invalid_parameter', `${name} must be an ISO date-time`);
        return Date.parse(raw);
      };
      const modifiedSince = since('modifiedSince');
      const createdSince = since('createdSince');
      if (modifiedSince !== undefined) all = all.filter((c) => Date.parse(c.modifiedAt) >= modifiedSince);
      if (createdSince !== undefined) all = all.filter((c) => Date.parse(c.createdAt) >= createdSince);
      if (sortDir(req) === 'desc') all.reverse();
      return {
        status: 200,
        body: { contacts: all.slice(offset, offset + limit).map((c) => this.contactJson(c)), count: all.length },
      };
    });
    this.on('GET', '/v3/contacts/:identifier', (req) => {
      const c = this.resolveContact(req, true);
      return { status: 200, body: { ...this.contactJson(c), statistics: {} } };
    });
    this.on('PUT', '/v3/contacts/:identifier', (req) => this.updateContact(req));
    this.on('DELETE', '/v3/contacts/:identifier', (req) => {
      this.deleteContact(this.resolveContact(req, false));
      return { status: 204 };
    });

    // Processes
    this.on('GET', '/v3/processes', (req) => {
      const { limit, offset } = page(req, 10, 50);
      const all = [...this.processMap.values()];
      if (sortDir(req) === 'desc') all.reverse();
      return {
        status: 200,
        body: { processes: all.slice(offset, offset + limit).map((p) => this.processJson(p)), count: all.length },
      };
    });
    this.on('GET', '/v3/processes/:id', (req) => {
      const p = this.processMap.get(Number(req.params.id));
      if (!p || !/^\d+$/.test(req.params.id ?? '')) throw err(404, 'document_not_found', 'Process does not exist');
      return { status: 200, body: this.processJson(p) };
    });

    // Events
    this.on('POST', '/v3/events', (req) => this.createEvent(body(req)));
    this.on('POST', '/v3/events/batch', (req) => this.createEvents(body(req)));

    // Senders, campaigns
    this.on('GET', '/v3/senders', () => ({
      status: 200,
      body: { senders: [...this.senderMap.values()].map((s) => ({ ...s, ips: [] })) },
    }));
    this.on('POST', '/v3/emailCampaigns', (req) => this.createCampaign(body(req)));
    this.on('GET', '/v3/emailCampaigns', (req) => this.listCampaigns(req));
    this.on('GET', '/v3/emailCampaigns/:id', (req) => {
      const { stats: _stats, ...campaign } = this.campaignOr404(req);
      return { status: 200, body: campaign };
    });
    this.on('POST', '/v3/emailCampaigns/:id/sendNow', (req) => {
      const c = this.campaignOr404(req);
      if (c.status !== 'draft') throw err(400, 'invalid_parameter', 'Campaign could not be sent: already sent');
      const lists = c.recipients?.listIds ?? [];
      if (lists.length === 0 && (c.recipients?.segmentIds ?? []).length === 0) {
        throw err(400, 'invalid_parameter', 'Campaign could not be sent: no recipients');
      }
      c.status = 'sent';
      c.sentAt = this.iso();
      return { status: 204 };
    });

    // Webhooks
    this.on('GET', '/v3/webhooks', (req) => {
      const type = req.query.get('type') ?? 'transactional';
      return {
        status: 200,
        body: { webhooks: [...this.webhookMap.values()].filter((w) => w.type === type).map((w) => ({ ...w })) },
      };
    });
    this.on('POST', '/v3/webhooks', (req) => this.createWebhook(body(req)));
    this.on('GET', '/v3/webhooks/:id', (req) => ({ status: 200, body: { ...this.webhookOr404(req) } }));
    this.on('DELETE', '/v3/webhooks/:id', (req) => {
      this.webhookMap.delete(this.webhookOr404(req).id);
      return { status: 204 };
    });
  }
}
