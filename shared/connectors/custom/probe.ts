/**
 * `tajo connectors test <name>` for a definition: the connection's settings, then one request per
 * enabled resource (its first page), then whether webhook deliveries can be verified. Each check is
 * one line saying what was checked or what to do.
 */
import type { CheckResult } from '../../core/connection-check';
import { reasonOf } from '../../core/errors';
import { type ConnectionSettings, connectionIssues } from './auth';
import type { Definition } from './definition/schema';
import { firstPageUrl } from './pagination';
import { getPath } from './paths';
import { type PlatformClient, type PlatformClientOptions, platformClient } from './reader';
import { noSchemeReason } from './signature';

export async function probeConnection(
  opts: PlatformClientOptions & { resources?: readonly string[]; client?: PlatformClient },
): Promise<CheckResult[]> {
  const { definition, settings } = opts;
  const issues = connectionIssues(definition, settings);
  const results: CheckResult[] = [
    issues.length === 0
      ? { name: 'connection', ok: true, detail: `${definition.label}: settings complete` }
      : {
          name: 'connection',
          ok: false,
          detail: issues.map((i) => `connectors.${definition.name}.${i.key}: ${i.message}`).join('; '),
        },
  ];
  const resources = opts.resources ?? Object.keys(definition.resources);
  if (issues.length > 0) {
    for (const r of resources)
      results.push({ name: r, ok: false, skipped: true, detail: 'not tried: fix the settings first' });
  } else {
    const client = opts.client ?? platformClient(opts);
    for (const r of resources) results.push(await probeResource(definition, r, client));
  }
  results.push(webhookCheck(definition, settings));
  return results;
}

async function probeResource(definition: Definition, key: string, client: PlatformClient): Promise<CheckResult> {
  const resource = definition.resources[key];
  if (resource === undefined) return { name: key, ok: false, detail: `${definition.name} has no resource "${key}"` };
  try {
    const page = await client.get(firstPageUrl(client.baseUrl, resource));
    const items = resource.items.trim() === '' ? page.body : getPath(page.body, resource.items);
    if (!Array.isArray(items))
      return {
        name: key,
        ok: false,
        detail: `answered without an array at ${resource.items || '(the answer)'}: check items: in the definition`,
      };
    return { name: key, ok: true, detail: `${resource.endpoint} answered (${items.length} on the first page)` };
  } catch (err) {
    return { name: key, ok: false, detail: reasonOf(err) };
  }
}

function webhookCheck(definition: Definition, settings: ConnectionSettings): CheckResult {
  if (Object.keys(definition.webhooks).length === 0)
    return { name: 'webhooks', ok: true, skipped: true, detail: 'the definition declares no webhooks' };
  const scheme = definition.signature;
  if (scheme === undefined) return { name: 'webhooks', ok: false, detail: noSchemeReason(definition) };
  if (!settings[scheme.secret])
    return {
      name: 'webhooks',
      ok: false,
      detail: `set connectors.${definition.name}.${scheme.secret} to verify deliveries`,
    };
  return { name: 'webhooks', ok: true, detail: `deliveries verified by ${scheme.header} (${scheme.algorithm})` };
}
