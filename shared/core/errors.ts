/**
 * Errors a person can act on. Every fatal error carries a one-line `reason` that the CLI prints as
 * is and the run record keeps; nothing here includes a token.
 */

export class TajoError extends Error {
  constructor(
    message: string,
    /** Stable machine-readable kind, used by the CLI exit path and the run record. */
    readonly kind: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The configuration is wrong; `path` names the key (e.g. connectors.notion.databases[0].id). */
export class ConfigError extends TajoError {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '), 'config');
  }
}

/** `platform`: a custom or catalogue connector's API, run by the definition engine (shared/connectors/custom). */
export type Provider = 'notion' | 'brevo' | 'slack' | 'platform';

/** A provider answered with an error (after our retries). */
export class ProviderError extends TajoError {
  constructor(
    readonly provider: Provider,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message, `${provider}_${status}`);
  }
}

/** The provider asked us to slow down longer than we are willing to wait in-process. */
export class RateLimitedError extends TajoError {
  constructor(
    readonly provider: Provider,
    readonly retryAfterMs: number,
  ) {
    super(`${provider} rate limit: retry after ${Math.ceil(retryAfterMs / 1000)} s`, 'rate_limited');
  }
}

/** The provider could not be reached at all (DNS, refused connection, timeout). */
export class UnreachableError extends TajoError {
  constructor(
    readonly provider: Provider,
    readonly url: string,
    cause: string,
  ) {
    super(`cannot reach ${provider} at ${url}: ${networkCause(cause)}`, 'unreachable');
  }
}

/** A network error's code with what it means to a person (the code stays: it is what a search finds). */
export function networkCause(cause: string): string {
  return `${cause}${NETWORK_CODE_MEANING[cause] ?? ''}`;
}

/** What a person reads after a network error's code. */
const NETWORK_CODE_MEANING: Readonly<Record<string, string>> = {
  ENOTFOUND: ' (no such host: check the URL, or the network)',
  EAI_AGAIN: ' (the host name could not be resolved now: check the network)',
  ECONNREFUSED: ' (nothing answers there: is it running?)',
  ECONNRESET: ' (the connection was cut)',
  ETIMEDOUT: ' (no answer in time)',
};

/** An error's message for a record or a person; a validation error gives its first issue, not its dump. */
export function reasonOf(err: unknown): string {
  if (validationIssues(err)) return `internal error: ${internalReason(err)}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * A budget that resets hourly is spent (Brevo's "other endpoints" are 100 requests per hour). It
 * is a rate limit with a long wait: the lane parks until the budget frees up.
 */
export class BudgetExhaustedError extends RateLimitedError {
  constructor(
    provider: Provider,
    readonly bucket: string,
    readonly resetInMs: number,
  ) {
    super(provider, resetInMs);
    this.message = `${provider} ${bucket} budget exhausted for this hour; next request possible in ${Math.ceil(resetInMs / 60000)} min`;
  }
}

/**
 * A workspace (or org) is already connected to another tenant: a distributed app maps a workspace to
 * one tenant only (WorkspaceClaimStore). Slack's is the one such app, so the message and code say Slack. The other tenant is not named (tenants never learn about each other).
 */
export class WorkspaceClaimedError extends TajoError {
  constructor(readonly teamKey: string) {
    super(
      `Slack ${teamKey.startsWith('E:') ? 'organisation' : 'workspace'} ${teamKey.slice(2)} is already connected to another tenant; ` +
        'disconnect it there first',
      'slack_team_claimed',
    );
  }
}

/**
 * A management request that cannot be done as asked, with the HTTP status that says why: 400 the
 * input or a credential was refused (nothing was stored), 404 there is nothing of that name, 409 a
 * precondition is missing (set the Brevo key first; a connection still uses it). The message is
 * for the person who asked; it never holds a token.
 */
export class RequestRefusedError extends TajoError {
  constructor(
    readonly status: 400 | 404 | 409 | 502,
    message: string,
    kind = 'refused',
    /** The fields refused, each by its path (`template.blocks[2].elements[0].text`): the API's `issues`. */
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message, kind);
  }
}

/**
 * A request refused field by field (400, code `invalid_request`): each issue names its field's
 * path as the API writes paths (`template.blocks[2].elements[0].text`); the message joins them.
 */
export class InvalidRequestError extends RequestRefusedError {
  constructor(issues: { path: string; message: string }[]) {
    super(
      400,
      issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '),
      'invalid_request',
      issues,
    );
  }
}

/** The first line of a text, trimmed and capped: what a person reads in a terminal or a status page. */
export function oneLine(text: string, max = 300): string {
  const first = (text.split('\n').find((l) => l.trim() !== '') ?? '').trim();
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}

/** A zod validation error, recognised by shape (its message is a multi-line JSON dump of the issues). */
function validationIssues(err: unknown): { path: PropertyKey[]; message: string }[] | undefined {
  if (!(err instanceof Error) || err.name !== 'ZodError') return undefined;
  const issues = (err as { issues?: unknown }).issues;
  return Array.isArray(issues) ? (issues as { path: PropertyKey[]; message: string }[]) : undefined;
}

/**
 * Whether an error's message was written for a person (a TajoError), as opposed to an internal
 * failure (a ZodError on an answer we did not expect, a TypeError) whose message is not.
 */
export function isInternalError(err: unknown): boolean {
  return !(err instanceof TajoError);
}

/**
 * An internal error in one line, never its dump: a validation error gives its first issue (where,
 * and what was expected), anything else its class and first line.
 */
export function internalReason(err: unknown): string {
  const issues = validationIssues(err);
  const origin = originOf(err);
  const inOrigin = origin ? ` (in ${origin})` : '';
  if (issues && issues.length > 0) {
    const first = issues[0] as { path: PropertyKey[]; message: string };
    const where = first.path.length > 0 ? first.path.map(String).join('.') : 'the top level';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    return oneLine(`unexpected data at ${where}${inOrigin}: ${first.message}${more}`);
  }
  if (err instanceof Error) return oneLine(`${err.name}${inOrigin}: ${err.message}`);
  return oneLine(String(err));
}

/**
 * The first function of ours on the stack (e.g. `BrevoClient.getProcess`): says which answer or
 * step a person's one line is about, without the stack. Library frames (zod's own) are skipped.
 */
function originOf(err: unknown): string | undefined {
  if (!(err instanceof Error) || !err.stack) return undefined;
  for (const line of err.stack.split('\n').slice(1)) {
    const m = /^\s*at (?:async )?([\w$.<>]+) \((.*)\)$/.exec(line);
    const file = m?.[2];
    if (m?.[1] && file && /:\d+:\d+$/.test(file) && !file.includes('node_modules') && !file.startsWith('node:'))
      return m[1];
  }
  return undefined;
}

/**
 * The one-line reason a run record and a person get for any failure: a TajoError's own message, or
 * "internal error: …" for anything else (the stack goes to the details log, not here).
 */
export function failureReason(err: unknown): string {
  // A person's message is kept whole (a config error lists every wrong key), on one line.
  if (err instanceof TajoError) return err.message.replace(/\s*\n\s*/g, ' ').trim();
  return `internal error: ${internalReason(err)}`;
}
