/**
 * The checks of a `connectors.notion` section that span keys (zod checks each key alone): the
 * Brevo → Notion rules, read_only against the features that write, one entry per database, and
 * one identifier per field mapping. The config loader calls them through the Notion descriptor.
 */
import { joinPath } from '../../core/config/issues';
import { formatPath } from '../../core/config/path';
import type { NotionConnectorConfig } from './config-schema';
import { databaseMapping } from './mapping/database-mapping';
import { readOnlyIssues } from './read-only';
import { validateNotionRules } from './rules/rules';

type Issue = { path: string; message: string };

/** `base` is where the section sits: `connectors.notion` in the YAML, empty for an API body. */
export function notionSectionIssues(notion: NotionConnectorConfig, base: string): Issue[] {
  const issues: Issue[] = [];
  const at = (...rest: PropertyKey[]) => joinPath(base, formatPath(rest));
  // Brevo → Notion rules (event-dependent options, templates, paths) and read_only against the
  // features that write: their checks name YAML paths, moved here under `base`.
  const rebase = (i: Issue): Issue => ({ ...i, path: joinPath(base, i.path.replace(/^connectors\.notion\.?/, '')) });
  issues.push(...validateNotionRules(notion).map(rebase), ...readOnlyIssues(notion).map(rebase));
  const seenIds = new Map<string, number>();
  notion.databases.forEach((db, i) => {
    const normalizedId = db.id.replace(/-/g, '').toLowerCase();
    const dup = seenIds.get(normalizedId);
    if (dup !== undefined)
      issues.push({ path: at('databases', i, 'id'), message: `the same database as databases[${dup}]` });
    seenIds.set(normalizedId, i);
    if (db.publish && !notion.sync.databases) {
      issues.push({
        path: at('databases', i, 'publish'),
        message: 'pages are published as the sync reads them: set connectors.notion.sync.databases to true',
      });
    }
  });
  // The cross-key rules hold for every mapping written: the connector's (the mapping of each
  // database without its own) and each database's own, at the key where it is written.
  const written = [
    ...(notion.field_mapping
      ? [{ mapping: notion.field_mapping, path: ['connectors', 'notion', 'field_mapping'] }]
      : []),
    ...notion.databases.map((db, i) => databaseMapping(notion, db, i)).filter((m) => m.source === 'database'),
  ];
  for (const { mapping, path } of written) {
    if (!mapping) continue;
    const mappingAt = (...rest: PropertyKey[]) => joinPath(base, formatPath([...path.slice(2), ...rest]));
    const targets = new Map<string, string>();
    let identifiers = 0;
    for (const [prop, entry] of Object.entries(mapping)) {
      const target = entry.target.toUpperCase();
      const prev = targets.get(target);
      if (prev !== undefined) {
        issues.push({
          path: mappingAt(prop, 'target'),
          message: `${target} is already the target of ${JSON.stringify(prev)}`,
        });
      }
      targets.set(target, prop);
      if (['EMAIL', 'SMS', 'EXT_ID'].includes(target)) identifiers += 1;
    }
    if (identifiers === 0) {
      issues.push({
        path: mappingAt(),
        message: 'no property maps to a contact identifier: map one to target email (or SMS, EXT_ID)',
      });
    }
  }
  return issues;
}
