/**
 * Brevo simulator, gateway layer: what every request goes through (API key auth, queued failures,
 * per-bucket fixed-window rate limits with x-sib-ratelimit-* headers, JSON checks), route registration,
 * and resolving path and body references to records (404s).
 */

import type { SimRequest, SimResponse } from '../http-kit';
import { BrevoAccount } from './account';
import type { Bucket } from './internal-types';
import { ApiError, err, normalizePhone, type PhoneKey, type SimContact } from './model';
import { PHONE_IDENTIFIER_TYPES } from './params';
import type { SimCampaign, SimFolder, SimList, SimWebhook } from './types';

export abstract class BrevoGateway extends BrevoAccount {
  // -------------------------------------------------------------------------------------------
  // SimServer hooks

  protected override before(req: SimRequest, route: string): SimResponse | undefined {
    this.settle();
    const key = req.headers['api-key'];
    if (typeof key !== 'string' || !this.apiKeys.has(key)) {
      return { status: 401, body: { code: 'unauthorized', message: 'Key not found' } };
    }
    const failure = this.failures.find((f) => f.route === undefined || f.route === route);
    if (failure) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
      const res: SimResponse = { status: failure.spec.status, body: failure.spec.body };
      if (failure.spec.headers) res.headers = failure.spec.headers;
      return res;
    }
    let headers: Record<string, string> | undefined;
    if (this.windows && this.routeLabels.has(route)) {
      const w = this.windows[this.bucketOf(req.path)];
      const r = w.window.take();
      headers = {
        'x-sib-ratelimit-limit': String(w.limit),
        'x-sib-ratelimit-remaining': String(r.ok ? r.remaining : 0),
        'x-sib-ratelimit-reset': String(r.resetSeconds),
      };
      if (!r.ok) {
        this.rateLimitedCount += 1;
        return {
          status: 429,
          body: { code: 'too_many_requests', message: 'The expected rate limit is exceeded.' },
          headers,
        };
      }
      this.rateHeaders.set(req, headers);
    }
    if (req.rawBody.length > 0 && req.body === undefined) {
      const res: SimResponse = {
        status: 400,
        body: { code: 'bad_request', message: 'Content-Type must be application/json' },
      };
      if (headers) res.headers = headers;
      return res;
    }
    return undefined;
  }

  protected invalidJson(): SimResponse {
    return { status: 400, body: { code: 'bad_request', message: 'Invalid JSON' } };
  }

  protected notFound(req: SimRequest): SimResponse {
    return { status: 404, body: { code: 'not_found', message: `No route for ${req.method} ${req.path}` } };
  }

  protected bucketOf(path: string): Bucket {
    if (path.startsWith('/v3/contacts')) return 'contacts';
    if (path === '/v3/events' || path.startsWith('/v3/events/')) return 'events';
    return 'other';
  }

  /** Register a route; ApiError becomes its response, rate-limit headers are added to every reply. */
  protected on(method: string, path: string, handler: (req: SimRequest) => SimResponse | Promise<SimResponse>): void {
    this.routeLabels.add(`${method} ${path}`);
    this.route(method, path, async (req) => {
      let res: SimResponse;
      // Contact writes happen synchronously inside the handler: they see whose key is writing.
      this.writer = this.apiKeyNames.get(String(req.headers['api-key'])) ?? '';
      try {
        res = await handler(req);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        res = { status: e.status, body: e.body };
      } finally {
        this.writer = '';
      }
      const h = this.rateHeaders.get(req);
      return h ? { ...res, headers: { ...h, ...(res.headers ?? {}) } } : res;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Lookups of path and body references (404s)

  protected numericParam(req: SimRequest, name: string): number {
    const raw = req.params[name] ?? '';
    return /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  }

  protected listOr404(req: SimRequest): SimList {
    const list = this.listMap.get(this.numericParam(req, 'id'));
    if (!list) throw err(404, 'document_not_found', 'List ID does not exist');
    return list;
  }

  protected folderOr404(req: SimRequest): SimFolder {
    const folder = this.folderMap.get(this.numericParam(req, 'id'));
    if (!folder) throw err(404, 'document_not_found', 'Folder ID does not exist');
    return folder;
  }

  protected campaignOr404(req: SimRequest): SimCampaign {
    const c = this.campaignMap.get(this.numericParam(req, 'id'));
    if (!c) throw err(404, 'document_not_found', 'Campaign ID does not exist');
    return c;
  }

  protected webhookOr404(req: SimRequest): SimWebhook {
    const w = this.webhookMap.get(this.numericParam(req, 'id'));
    if (!w) throw err(404, 'document_not_found', 'Webhook ID does not exist');
    return w;
  }

  protected requireLists(ids: number[] | undefined, key: string): number[] {
    if (!ids) return [];
    const unknown = ids.filter((id) => !this.listMap.has(id));
    if (unknown.length > 0) throw err(400, 'invalid_parameter', `${key}: list(s) ${unknown.join(',')} do not exist`);
    return ids;
  }

  protected findByPhone(key: PhoneKey, raw: unknown): SimContact | undefined {
    const digits = normalizePhone(raw);
    const id = digits === undefined ? undefined : this.byPhone[key].get(digits);
    return id === undefined ? undefined : this.contactMap.get(id);
  }

  protected findByExtId(ext: string): SimContact | undefined {
    const id = this.byExtId.get(ext);
    return id === undefined ? undefined : this.contactMap.get(id);
  }

  protected findByEmail(email: string): SimContact | undefined {
    const id = this.byEmail.get(email.toLowerCase());
    return id === undefined ? undefined : this.contactMap.get(id);
  }

  /**
   * `:identifier` with `?identifierType=`. Without a type an email or a numeric id is accepted (GET also
   * takes a `+`-prefixed SMS number).
   */
  protected resolveContact(req: SimRequest, allowSmsDefault: boolean): SimContact {
    const identifier = req.params.identifier ?? '';
    const type = req.query.get('identifierType');
    let contact: SimContact | undefined;
    const notFound = () => err(404, 'document_not_found', 'Contact does not exist');
    if (type === null) {
      if (identifier.includes('@')) contact = this.findByEmail(identifier);
      else if (/^\d+$/.test(identifier)) contact = this.contactMap.get(Number(identifier));
      else if (allowSmsDefault && identifier.startsWith('+')) contact = this.findByPhone('SMS', identifier);
      else {
        throw err(
          400,
          'invalid_parameter',
          'Invalid identifier: use an email or a contact id, or pass identifierType (ext_id, phone_id, ...)',
        );
      }
    } else if (type === 'email_id') contact = this.findByEmail(identifier);
    else if (type === 'contact_id') {
      if (!/^\d+$/.test(identifier)) throw notFound();
      contact = this.contactMap.get(Number(identifier));
    } else if (type === 'ext_id') contact = this.findByExtId(identifier);
    else if (PHONE_IDENTIFIER_TYPES[type]) contact = this.findByPhone(PHONE_IDENTIFIER_TYPES[type], identifier);
    else throw err(400, 'invalid_parameter', `Invalid identifierType: ${type}`);
    if (!contact) throw notFound();
    return contact;
  }
}
