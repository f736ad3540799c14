/**
 * What a failed call throws. `message` is the API's one-line reason (what to change); `code` is
 * the machine code to branch on. Subclasses only where a caller acts differently: a key to fix
 * (TajoAuthError), a wait (TajoRateLimitError), the network (TajoConnectionError), a delivery
 * to refuse (TajoSignatureError).
 */

export interface TajoIssue {
  path: string;
  message: string;
}

export interface TajoErrorFields {
  /** The HTTP status; 0 when no answer came (network, timeout, configuration). */
  status: number;
  code: string;
  message: string;
  issues?: TajoIssue[];
  requestId?: string;
  retryAfterSeconds?: number;
}

export class TajoError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues?: TajoIssue[];
  readonly requestId?: string;
  readonly retryAfterSeconds?: number;

  constructor(fields: TajoErrorFields, options?: { cause?: unknown }) {
    super(fields.message, options);
    this.name = new.target.name;
    this.status = fields.status;
    this.code = fields.code;
    if (fields.issues) this.issues = fields.issues;
    if (fields.requestId) this.requestId = fields.requestId;
    if (fields.retryAfterSeconds !== undefined) this.retryAfterSeconds = fields.retryAfterSeconds;
  }
}

/** 401, or a key no tenant has (GET /me): fix TAJO_API_KEY. */
export class TajoAuthError extends TajoError {}

/** 429, or 503 with Retry-After (a provider's rate limit): `retryAfterSeconds` says when to try again. */
export class TajoRateLimitError extends TajoError {}

/** No answer: the API was unreachable or did not answer within timeoutMs. */
export class TajoConnectionError extends TajoError {}

/** A delivery whose signature is missing, wrong, stale or unverifiable: refuse it (400). */
export class TajoSignatureError extends TajoError {
  constructor(message: string) {
    super({ status: 400, code: 'invalid_signature', message });
  }
}

const CODE_OF_STATUS: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limited',
};

/** The API's reason for a key no tenant has, or a key of another tenant (the same answer for both). */
const UNKNOWN_KEY = /^not found: no (such tenant for|tenant has) this API key/;

/** The error for a refusal: the API's `{error, code?, issues?, retryAfterSeconds?}` body, as lenient as it must be. */
export function errorFromAnswer(status: number, body: unknown, headers: Headers, what: string): TajoError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const retryAfterSeconds = retryAfterOf(headers, b);
  const fields: TajoErrorFields = {
    status,
    code: typeof b.code === 'string' ? b.code : (CODE_OF_STATUS[status] ?? (status >= 500 ? 'server_error' : 'error')),
    message: typeof b.error === 'string' ? b.error : `${what} answered HTTP ${status}`,
    ...(Array.isArray(b.issues) ? { issues: b.issues.filter(isIssue) } : {}),
    ...requestIdOf(headers),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
  if (status === 401) return new TajoAuthError(fields);
  // A tenant route answers a key of another tenant exactly as an unknown tenant (nothing leaks):
  // for the caller, the key or the tenant is wrong either way.
  if (status === 404 && typeof b.error === 'string' && UNKNOWN_KEY.test(b.error)) {
    // The API's code stays (not_found); the reason names what to set in the SDK.
    return new TajoAuthError({
      ...fields,
      message: `${b.error.replace(/ \(check [^)]*\)$/, '')}: check TAJO_API_KEY and TAJO_TENANT (or tenantId)`,
    });
  }
  if (status === 429 || (status === 503 && retryAfterSeconds !== undefined)) return new TajoRateLimitError(fields);
  return new TajoError(fields);
}

/** Seconds to wait: the Retry-After header (seconds or an HTTP date), else the body's retryAfterSeconds. */
export function retryAfterOf(headers: Headers, body?: Record<string, unknown>): number | undefined {
  const h = headers.get('retry-after');
  if (h !== null && h.trim() !== '') {
    const seconds = Number(h);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds;
    const at = Date.parse(h);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - Date.now()) / 1000));
  }
  const fromBody = body?.retryAfterSeconds;
  return typeof fromBody === 'number' && fromBody >= 0 ? fromBody : undefined;
}

function requestIdOf(headers: Headers): { requestId?: string } {
  const id = headers.get('x-request-id') ?? headers.get('x-amzn-requestid') ?? headers.get('apigw-requestid');
  return id ? { requestId: id } : {};
}

function isIssue(v: unknown): v is TajoIssue {
  return typeof v === 'object' && v !== null && typeof (v as TajoIssue).message === 'string';
}
