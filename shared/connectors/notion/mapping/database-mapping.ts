/**
 * Which field mapping a Notion database uses. The docs write `field_mapping` beside `databases`
 * (for every database); a database's own `field_mapping` replaces it whole (entries are not merged:
 * a database that needs one more property repeats the others). The config keeps both as written, so
 * a parsed section parses again unchanged and every message can point at the key the person wrote;
 * readers (validation, the sync's plan, status, the connection test) ask here. No I/O.
 */
import type { FieldMapping, NotionConnectorConfig, NotionDatabaseConfig } from '../config-schema';

/**
 * `database`: its own field_mapping; `connector`: connectors.notion.field_mapping; `inferred`: none
 * written, the sync maps the first email property and same-named attributes; `publish-only`: the
 * database is read for publishing, its rows are not contacts.
 */
export type MappingSource = 'database' | 'connector' | 'inferred' | 'publish-only';

export interface DatabaseMapping {
  source: MappingSource;
  /** The entries (undefined for inferred and publish-only). */
  mapping?: FieldMapping;
  /** Where the mapping is written in the YAML, for messages: `connectors.notion.field_mapping`... */
  path: (string | number)[];
}

/**
 * A database with `publish` and neither its own `field_mapping` nor `sync_to_list` is read for
 * publishing only: its rows are articles, not contacts, so the connector's mapping does not apply.
 */
export function isPublishOnly(db: NotionDatabaseConfig): boolean {
  return db.publish !== undefined && db.field_mapping === undefined && db.sync_to_list === undefined;
}

export function databaseMapping(
  notion: Pick<NotionConnectorConfig, 'field_mapping'>,
  db: NotionDatabaseConfig,
  index: number,
): DatabaseMapping {
  const own = ['connectors', 'notion', 'databases', index, 'field_mapping'];
  if (db.field_mapping) return { source: 'database', mapping: db.field_mapping, path: own };
  if (isPublishOnly(db)) return { source: 'publish-only', path: own };
  if (notion.field_mapping) {
    return { source: 'connector', mapping: notion.field_mapping, path: ['connectors', 'notion', 'field_mapping'] };
  }
  return { source: 'inferred', path: own };
}

/** The entries a database maps (empty when inferred or publish-only): the properties the sync reads. */
export function mappedProperties(notion: Pick<NotionConnectorConfig, 'field_mapping'>, db: NotionDatabaseConfig) {
  return Object.keys(databaseMapping(notion, db, 0).mapping ?? {});
}

/** How `config validate` and `status` name a database's mapping. */
export function describeMappingSource(source: MappingSource): string {
  switch (source) {
    case 'database':
      return 'its own field_mapping';
    case 'connector':
      return 'connector field_mapping';
    case 'inferred':
      return 'no field_mapping: email property and same-named attributes';
    case 'publish-only':
      return 'none: read for publishing only';
  }
}
