/**
 * What this service last wrote to a platform's page through a rule (echo and conflict detection).
 * Notion rules' today: the stamps are Notion's (last_edited_time, last_edited_by).
 */

/**
 * What this service last wrote to a page through a rule. The Notion → Brevo sync reads these to
 * recognise its own echo (same last_edited_time, same stored values); the rules read them to tell
 * a person's edit from ours and to order Brevo changes.
 */
export interface PageWrite {
  tenantId: string;
  /** The rule's database id, without dashes, lower case. */
  databaseId: string;
  pageId: string;
  /** The page's last_edited_time as our write left it (Notion rounds it to the minute). */
  lastEditedTime: string;
  /** storedPropertiesHash of the page as our write left it. */
  propertiesHash: string;
  /** The integration's bot user (last_edited_by of our write). */
  botId?: string;
  /**
   * The latest last_edited_time known to be someone else's edit: the page's stamp before our
   * write, carried over while the page stays as we left it. A value we did not write dates from then.
   */
  othersEditedAt?: string;
  /** Per property: the value we wrote (canonical form) and the Brevo time of the change it carried. */
  values: Record<string, { value: string; at: string }>;
  rule: string;
  writtenAt: string;
}

export interface PageWriteStore {
  getPageWrite(tenantId: string, databaseId: string, pageId: string): Promise<PageWrite | undefined>;
  putPageWrite(record: PageWrite): Promise<void>;
  /** Every page write recorded for one database (the sync's echo check loads them once per step). */
  listPageWrites(tenantId: string, databaseId: string): Promise<PageWrite[]>;
}
