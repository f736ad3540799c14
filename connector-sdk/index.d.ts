/**
 * @tajo/connector-sdk: the types of a Tajo connector definition (the format of issue 14's design
 * page), `defineConnector` (identity, typed) and `ConnectorSDK` (the docs' `new ConnectorSDK({...})`).
 * Keys are snake_case; the docs' camelCase oauth2 URLs are accepted as printed.
 */

/** `field: path in the record` (`contact.email`, `items.0.id`, `items[0].id`). */
export type Mapping = Record<string, string>;

/**
 * The key from config key `api_key` (or `credential`) in a header or a query parameter, after `prefix`.
 */
export type ApiKeyAuth =
  | { type: 'api_key'; header: string; query?: never; prefix?: string; credential?: string }
  | { type: 'api_key'; query: string; header?: never; prefix?: string; credential?: string };
/** `Authorization: Bearer <token>`, the token from config key `token` (or `credential`). */
export interface BearerAuth {
  type: 'bearer';
  credential?: string;
}
/** `Authorization: Basic`, from config keys `username` and `password` (may be empty); rename with `credential`, `password_credential`. */
export interface BasicAuth {
  type: 'basic';
  credential?: string;
  password_credential?: string;
}
/**
 * Bearer the connection's `access_token`; a 401 refreshes it once at the token URL with its
 * `refresh_token` (and `client_id`, `client_secret`). The docs' camelCase URLs or snake_case.
 */
export type OAuth2Auth = {
  type: 'oauth2';
  scopes?: string[];
  /** The install sends a PKCE S256 challenge (RFC 7636). */
  pkce?: boolean;
  /** How the token endpoint takes the client's credentials: in the form (default) or HTTP Basic. */
  client_auth?: 'post' | 'basic';
} & (
  | { authorizationUrl?: string; tokenUrl: string; authorization_url?: never; token_url?: never }
  | { authorization_url?: string; token_url: string; authorizationUrl?: never; tokenUrl?: never }
);
export interface NoAuth {
  type: 'none';
}
export type Auth = ApiKeyAuth | BearerAuth | BasicAuth | OAuth2Auth | NoAuth;

/**
 * How pages follow each other (every kind stops on an empty page):
 * - cursor: `next` is the path of the next cursor in the answer, or `last_item` the path in the last
 *   item (Stripe's `starting_after` = the last id) while `has_more` (a path in the answer) is true;
 * - page: page numbers from `start` (default 1), ending on a page shorter than `page_size.size`;
 * - offset: the offset grows by the items read, ending on a short page;
 * - link: the RFC 8288 `Link` header's rel="next" URL, followed as given.
 */
export type Pagination =
  | { type: 'cursor'; param: string; next: string }
  | { type: 'cursor'; param: string; last_item: string; has_more?: string }
  | { type: 'page'; param: string; start?: number }
  | { type: 'offset'; param: string }
  | { type: 'link' };

/** A resource read into Brevo (contacts or events), or one declared only (`to: none`, with its reason). */
export type Resource = ReadResource | DeclaredResource;

export interface ReadResource {
  endpoint: string;
  params?: Record<string, string | number | boolean>;
  /** Path of the array in the answer ('' or absent: the answer is the array). */
  items?: string;
  /** Path of the record's id (default `id`): names a record in errors. */
  id?: string;
  page_size?: { param: string; size: number };
  pagination?: Pagination;
  /**
   * Incremental reads: `param` = the last run's greatest `field` value minus `overlap_s` (default 300),
   * sent as ISO 8601 or unix seconds; absent on a first or full run.
   */
  updated_since?: { param: string; field: string; format?: 'iso' | 'unix'; overlap_s?: number };
  to?: 'contacts' | 'events';
  /** to: events only: the Brevo event name (default: the resource's key). */
  event?: string;
  /** to: events only: one event per value of this path across runs (the incremental overlap re-reads). */
  dedupe?: string;
  /** to: events only: these mapped fields also update the contact (the event's contact_properties). */
  contact_properties?: string[];
  /** to: events only: a `cart` (mapped cart_id|checkout_token, email, completed_at...) or an `order`, for the skills. */
  kind?: 'cart' | 'order';
  mapping: Mapping;
}

/** Declared so that `sync.<resource>` validates, never read: `reason` says why (the run's warnings show it). */
export interface DeclaredResource {
  endpoint: string;
  to: 'none';
  reason: string;
  items?: string;
  mapping?: Mapping;
}

/**
 * A webhook: the short form `'/path'` (a Brevo event named by its key, the payload's scalar fields as
 * properties) or an entry with its path, `to`, a `match` on a header or body field when several share
 * a path, the Brevo `event` name, and a mapping.
 */
export type Webhook =
  | string
  | {
      path: string;
      to?: 'contact' | 'event';
      event?: string;
      /** to: event only: a `cart` or an `order`, for the skills (abandoned-cart). */
      kind?: 'cart' | 'order';
      match?: { header: string; equals: string; field?: never } | { field: string; equals: string; header?: never };
      mapping?: Mapping;
      /** to: event only: these mapped fields also update the contact. */
      contact_properties?: string[];
    };

/**
 * How deliveries are signed: an HMAC (`algorithm`, default sha256) with the secret in config key
 * `secret` (default webhook_secret) over the raw body, or over `{timestamp}.{body}` when a timestamp
 * comes in `timestamp_header` or in a `parts` header (`t=...,v1=...`); `encoding` hex or base64;
 * `prefix` stripped; a timestamp older or newer than `tolerance_s` (default 300) refused.
 * `delivery_id_header` names each delivery for dedupe, else `delivery_id_field` (a path in the body,
 * Stripe's event `id`), else the body's sha256.
 */
export interface Signature {
  header: string;
  algorithm?: 'sha256' | 'sha1' | 'sha512';
  encoding?: 'hex' | 'base64';
  prefix?: string;
  timestamp_header?: string;
  parts?: { timestamp: string; signature: string };
  tolerance_s?: number;
  secret?: string;
  delivery_id_header?: string;
  delivery_id_field?: string;
}

export interface ConnectionParam {
  required?: boolean;
  description?: string;
  pattern?: string;
  default?: string;
}

export interface ConnectorDefinition {
  name: string;
  version: string;
  label?: string;
  category?: 'e-commerce' | 'crm' | 'payments' | 'other';
  base_url?: string;
  connection?: Record<string, ConnectionParam>;
  auth: Auth;
  rate_limit?: { requests_per_second: number; burst?: number };
  headers?: Record<string, string>;
  resources?: Record<string, Resource>;
  webhooks?: Record<string, Webhook>;
  signature?: Signature;
}

/** The definition as given, typed: `export default defineConnector({...})`. */
export declare function defineConnector<const D extends ConnectorDefinition>(definition: D): D;

/** The docs' `new ConnectorSDK({...})`; `export default` the instance. */
export declare class ConnectorSDK<const D extends ConnectorDefinition = ConnectorDefinition> {
  constructor(definition: D);
  readonly definition: D;
}

/** The symbol a ConnectorSDK instance is branded with (shared by every copy of this package). */
export declare const CONNECTOR_SDK_BRAND: unique symbol;
