/**
 * A tenant's `connectors.<name>` section against its definition (design14 "Config section"): the
 * credentials the auth needs, the connection parameters, `sync` keys that are resources,
 * `field_mapping` fields the definition offers, a mode the definition can run, the webhook secret
 * when deliveries are to be verified. Issues carry full paths (`connectors.acmeshop.api_key`).
 */
import { type ConnectionSettings, connectionIssues } from './auth';
import { type Definition, looseKey, unsignedWebhooksWarning } from './definition/schema';
import { contactPlan } from './records';

export type SyncMode = 'realtime' | 'batch' | 'hybrid';

export interface SectionIssue {
  path: string;
  message: string;
}

/** What the checks read of a section; other keys (enabled, definition, schedule...) are the config's. */
export interface CustomSection {
  mode?: SyncMode;
  sync?: Readonly<Record<string, boolean>>;
  field_mapping?: Readonly<Record<string, string>>;
  /** Credentials, base_url, connection parameters, the webhook secret: string values of the section. */
  settings: ConnectionSettings;
}

/** The mode a section runs in: its own, else hybrid with webhooks and resources, batch or realtime otherwise. */
export function effectiveMode(definition: Definition, mode?: SyncMode): SyncMode {
  if (mode !== undefined) return mode;
  const resources = Object.keys(definition.resources).length > 0;
  const webhooks = Object.keys(definition.webhooks).length > 0;
  return resources && webhooks ? 'hybrid' : resources ? 'batch' : 'realtime';
}

/** The resources a batch run reads: every one, unless `sync` turns it off. */
export function enabledResources(definition: Definition, sync?: Readonly<Record<string, boolean>>): string[] {
  return Object.keys(definition.resources).filter((r) => sync?.[r] !== false);
}

/**
 * The mapping the config's field_mapping applies to (connector-wide): every contact resource's and
 * contact webhook's fields, and the events' `contact_properties` fields (they update the contact).
 */
export function contactFields(definition: Definition): Record<string, string> {
  const out: Record<string, string> = {};
  const addContactProperties = (mapping: Readonly<Record<string, string>>, fields: readonly string[] | undefined) => {
    const wanted = new Set((fields ?? []).map(looseKey));
    for (const [field, path] of Object.entries(mapping)) if (wanted.has(looseKey(field))) out[field] = path;
  };
  for (const r of Object.values(definition.resources)) {
    if (r.to === 'contacts') Object.assign(out, r.mapping);
    else if (r.to === 'events') addContactProperties(r.mapping, r.contact_properties);
  }
  for (const w of Object.values(definition.webhooks)) {
    if (!('mapping' in w) || w.mapping === undefined) continue;
    if (w.to === 'contact') Object.assign(out, w.mapping);
    else addContactProperties(w.mapping, 'contact_properties' in w ? w.contact_properties : undefined);
  }
  return out;
}

export function sectionIssues(
  definition: Definition,
  section: CustomSection,
  prefix = `connectors.${definition.name}`,
): SectionIssue[] {
  const at = (key: string) => `${prefix}.${key}`;
  const issues: SectionIssue[] = connectionIssues(definition, section.settings).map((i) => ({
    path: at(i.key),
    message: i.message,
  }));
  const resources = Object.keys(definition.resources);
  for (const key of Object.keys(section.sync ?? {}))
    if (!resources.includes(key))
      issues.push({
        path: at(`sync.${key}`),
        message: `not a resource of ${definition.name} (its resources: ${resources.join(', ') || 'none'})`,
      });
  if (section.field_mapping !== undefined)
    for (const i of contactPlan(contactFields(definition), section.field_mapping).issues)
      issues.push({ path: at(i.path), message: i.message });
  const mode = effectiveMode(definition, section.mode);
  const webhooks = Object.keys(definition.webhooks).length > 0;
  if (mode !== 'batch' && !webhooks)
    issues.push({
      path: at('mode'),
      message: `${mode} needs webhooks and ${definition.name}'s definition has none: use batch`,
    });
  if (mode !== 'realtime' && resources.length === 0)
    issues.push({
      path: at('mode'),
      message: `${mode} reads resources and ${definition.name}'s definition has none: use realtime`,
    });
  const scheme = definition.signature;
  if (mode !== 'batch' && webhooks && scheme !== undefined && !section.settings[scheme.secret])
    issues.push({
      path: at(scheme.secret),
      message: `required to verify webhook deliveries (signature ${scheme.header}): the platform's signing secret`,
    });
  return issues;
}

/** Lines validation and connect print without refusing (webhooks that cannot be accepted). */
export function sectionWarnings(definition: Definition, section: Pick<CustomSection, 'mode'>): string[] {
  const warning = effectiveMode(definition, section.mode) === 'batch' ? undefined : unsignedWebhooksWarning(definition);
  return warning === undefined ? [] : [warning];
}
