/** The tenant's page inbox: how long entries live, and the one fetch message queued for it. */

/** An inbox entry nobody fetched (lost lane message) expires; the 4-hourly poll covers the edit. */
export const INBOX_TTL_S = 2 * 86_400;
/**
 * "A fetch message is queued" marker. It expires so that a lost or dead-lettered message does not
 * stop later events from queueing another.
 */
export const QUEUED_TTL_S = 15 * 60;
export const QUEUED_MARKER = 'npages-queued';
/** Pages fetched per lane message: ~15 s of Notion's 3 req/s, well inside one step. */
export const PAGES_PER_FETCH = 50;
