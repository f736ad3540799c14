/**
 * The Brevo contact model every source writes through the contact writer: one source record mapped
 * to a contact (its identifier, attributes, fingerprint, the values left out with field errors),
 * and the row errors a run keeps.
 */
import { fingerprint, maskPersonal, normalizeEmail } from '../mapping';
import type { Fingerprint, RowError, SyncSummary } from '../ports';

/** One source record mapped to a contact. */
export interface ContactRow {
  /** The source's id of the record (Notion page id, Slack user id): keys fingerprints and row errors. */
  rowId: string;
  /** The Brevo identifier the contact is written under. */
  identifier: string;
  identifierType: Fingerprint['identifierType'];
  /** Brevo attributes; includes SMS / EXT_ID when mapped (EMAIL is `identifier` for email_id). */
  attributes: Record<string, unknown>;
  /** Fingerprint of what is written (values, identifier, list): equal means unchanged (contactFingerprint). */
  fp: string;
  /**
   * Values left out of `attributes` because they cannot reach their attribute (kind 'field'):
   * recorded in the run's summary each time the row is offered, whether or not it is written.
   */
  fieldErrors?: RowError[];
  /** Attribute → the source field it comes from, so a value Brevo refuses is reported by its field. */
  sources?: Record<string, string>;
}

/**
 * The fingerprint of a contact as written: identifier, attributes (values left out are not in
 * them) and list. Built from what is written, not from the source's values, so a bad value that
 * is later fixed changes it and the row is written again, while a row whose bad value is still bad
 * (or became empty) is unchanged.
 */
export function contactFingerprint(identifier: string, attributes: Record<string, unknown>, listId?: number): string {
  return fingerprint({ identifier, attributes, listId: listId ?? null });
}

/** A value left out of a contact's write: the row is written without it. */
export function fieldError(rowId: string, property: string, attribute: string, reason: string): RowError {
  return { pageId: rowId, property, attribute, kind: 'field', reason };
}

/** A contact keyed by its (normalised) email: workspace members of Notion and Slack. */
export interface EmailContactRow extends ContactRow {
  email: string;
}

/**
 * Maps a person keyed by email: `mapFields` fills the attributes, pushing a field error (see
 * fieldError) for each value that cannot map: that value is left out, the contact is still
 * written. Only an invalid email (the one identifier) fails the row; its field errors come along.
 */
export function mapEmailKeyedContact(
  rowId: string,
  rawEmail: string | undefined,
  listId: number | undefined,
  mapFields: (attributes: Record<string, unknown>, fieldErrors: RowError[], sources: Record<string, string>) => void,
): { ok: true; row: EmailContactRow } | { ok: false; errors: RowError[] } {
  const email = normalizeEmail(rawEmail ?? '');
  const attributes: Record<string, unknown> = {};
  const fieldErrors: RowError[] = [];
  const sources: Record<string, string> = {};
  mapFields(attributes, fieldErrors, sources);
  if (email === undefined) {
    const reason = `invalid email address "${maskPersonal(rawEmail ?? '')}": the contact cannot be written without it`;
    return { ok: false, errors: [{ pageId: rowId, property: 'email', reason }, ...fieldErrors] };
  }
  return {
    ok: true,
    row: {
      rowId,
      identifier: email,
      identifierType: 'email_id',
      email,
      attributes,
      fp: contactFingerprint(email, attributes, listId),
      ...(fieldErrors.length > 0 ? { fieldErrors } : {}),
      sources,
    },
  };
}

/** The run record keeps the first errors; beyond this many they are only counted. */
export const MAX_STORED_ERRORS = 200;

type ErrorTally = Pick<SyncSummary, 'errors' | 'errorsTruncated' | 'fieldErrors'>;

/** Counts one failed row and keeps its reasons (up to MAX_STORED_ERRORS). */
export function recordRowFailure(tally: ErrorTally & Pick<SyncSummary, 'failed'>, errors: RowError[]) {
  tally.failed += 1;
  recordErrors(tally, errors);
}

/** Keeps reasons (up to MAX_STORED_ERRORS, the rest counted) and counts the field errors among them. */
export function recordErrors(tally: ErrorTally, errors: RowError[]) {
  for (const e of errors) {
    if (e.kind === 'field') tally.fieldErrors = (tally.fieldErrors ?? 0) + 1;
    if (tally.errors.length < MAX_STORED_ERRORS) tally.errors.push(e);
    else tally.errorsTruncated += 1;
  }
}
