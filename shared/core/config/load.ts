/**
 * Reading a Tajo YAML: parse, substitute ${VAR} / ${VAR:-default} from the environment, validate.
 * Every mistake is reported with the path of the key and what was expected, before anything is sent.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { readOnlyIssues } from '../../connectors/notion/read-only';
import { validateNotionRules } from '../../connectors/notion/rules/rules';
import { resolveChannel, validateNotificationsConfig } from '../../connectors/slack/notifications/routing';
import { ConfigError, oneLine } from '../errors';
import { joinPath } from './issues';
import { databaseMapping } from './mapping';
import { formatPath } from './path';
import {
  BUILT_IN_CONNECTORS,
  type NotionConnectorConfig,
  notionConnectorSchema,
  type SlackConnectorConfig,
  slackConnectorSchema,
  type TajoConfig,
  tajoConfigSchema,
} from './schema';

type Issue = { path: string; message: string };

const TOP_LEVEL_KEYS = Object.keys(tajoConfigSchema.shape);

/** `${NAME}`, as a person writes an environment reference in the YAML. */
const envRef = (name: string) => `\${${name}}`;

/** Keys the docs' blocks leave out (they show one section at a time): what to add, in one line. */
const REQUIRED_HINTS: Record<string, string> = {
  brevo: `is required: add "brevo: { api_key: ${envRef('BREVO_API_KEY')} }" (Brevo → SMTP & API → API keys)`,
  'brevo.api_key': `is required: add "api_key: ${envRef('BREVO_API_KEY')}" (Brevo → SMTP & API → API keys)`,
  'connectors.notion.token': `is required: add "token: ${envRef('NOTION_TOKEN')}" (the internal integration secret, ntn_...) under connectors.notion`,
  'connectors.slack.bot_token': `is required: add "bot_token: ${envRef('SLACK_BOT_TOKEN')}" (xoxb-...) under connectors.slack`,
};

export { formatPath };

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces ${VAR} in every string; a variable that is not set is an issue at that key. */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  issues: Issue[],
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_match, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      issues.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, issues, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, issues, [...path, k]);
    return out;
  }
  return value;
}

/** A connector section this release does not have: one line naming it and what exists. */
export function unknownConnectorMessage(name: string): string {
  return `unknown connector "${name}" (built in: ${BUILT_IN_CONNECTORS.join(', ')}; custom connectors from a definition file come with the connector framework)`;
}

function zodIssues(error: z.ZodError, base: PropertyKey[] = []): Issue[] {
  // `base` is empty for the YAML (paths from its top); an API body's issues keep their own paths.
  return error.issues.flatMap((issue): Issue[] => {
    const at = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      // At the top and among the connectors, one issue per key at its own path, saying what exists.
      const inConnectors = base.length === 0 && at.length === 1 && at[0] === 'connectors';
      if (inConnectors || (base.length === 0 && at.length === 0)) {
        return issue.keys.map((key) => ({
          path: formatPath([...at, key]),
          message: inConnectors
            ? unknownConnectorMessage(key)
            : `unknown top-level key (expected: ${TOP_LEVEL_KEYS.join(', ')})`,
        }));
      }
      return [
        {
          path: formatPath([...at, ...(issue.keys.length === 1 ? [issue.keys[0] as string] : [])]),
          message:
            issue.keys.length === 1
              ? 'unknown key (check its spelling and indentation)'
              : `unknown keys ${issue.keys.join(', ')}`,
        },
      ];
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      const path = formatPath(at);
      return [{ path, message: REQUIRED_HINTS[path] ?? `is required (${issue.expected})` }];
    }
    return [{ path: formatPath(at), message: issue.message }];
  });
}

/**
 * Values a command has from elsewhere (its flags, the local state) for keys the file leaves out:
 * `tajo connectors install notion --token ...` with the docs' Notion block, which has no token and
 * no brevo section, as ./tajo.yaml. A key the file has is never replaced.
 */
export interface ConfigSupply {
  brevoApiKey?: string;
  notionToken?: string;
  slackBotToken?: string;
}

function supplyMissing(raw: unknown, supply: ConfigSupply | undefined): unknown {
  if (!supply || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const out = { ...(raw as Record<string, unknown>) };
  if (out.brevo === undefined && supply.brevoApiKey !== undefined) out.brevo = { api_key: supply.brevoApiKey };
  const connectors = out.connectors;
  if (connectors !== null && typeof connectors === 'object' && !Array.isArray(connectors)) {
    const c = { ...(connectors as Record<string, unknown>) };
    const fill = (name: string, key: string, value: string | undefined) => {
      const section = c[name];
      if (value === undefined || section === null || typeof section !== 'object' || Array.isArray(section)) return;
      if ((section as Record<string, unknown>)[key] === undefined) c[name] = { ...section, [key]: value };
    };
    fill('notion', 'token', supply.notionToken);
    fill('slack', 'bot_token', supply.slackBotToken);
    out.connectors = c;
  }
  return out;
}

/** Parses YAML text into a validated config; throws ConfigError listing every problem. */
export function parseConfig(
  text: string,
  env: NodeJS.ProcessEnv = process.env,
  source = 'config',
  supply?: ConfigSupply,
): TajoConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    // The first error only, with its position: a file that is not YAML at all (a binary, a JSON
    // with a stray byte) has thousands, and each after the first follows from it.
    const at = first.linePos?.[0];
    const message = oneLine(first.message.replace(/ at line \d+, column \d+:?$/m, ''), 160);
    const more = doc.errors.length - 1;
    throw new ConfigError([
      {
        path: '',
        message: `${source}${at ? `:${at.line}:${at.col}` : ''}: not valid YAML: ${message}${more > 0 ? ` (and ${more} more error${more === 1 ? '' : 's'} after it)` : ''}`,
      },
    ]);
  }
  const raw = doc.toJS() as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ path: '', message: `${source}: expected a YAML mapping at the top level` }]);
  }
  const issues: Issue[] = [];
  const interpolated = supplyMissing(interpolateEnv(raw, env, issues), supply);
  // reportInput: zod 4 leaves the input out of issues unless asked, and we tell missing from wrong by it.
  const parsed = tajoConfigSchema.safeParse(interpolated, { reportInput: true });
  if (!parsed.success) {
    // A key whose ${VAR} is unset already has its message; the schema's complaint would repeat it.
    const envPaths = new Set(issues.map((i) => i.path));
    issues.push(...zodIssues(parsed.error).filter((i) => !envPaths.has(i.path)));
  }
  if (issues.length > 0) throw new ConfigError(dedupe(issues));
  const config = (parsed as { data: TajoConfig }).data;
  issues.push(...semanticIssues(config));
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

export async function loadConfigFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  supply?: ConfigSupply,
): Promise<TajoConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '', message: unreadableConfigMessage(file, err) }]);
  }
  return parseConfig(text, env, file, supply);
}

/** Why a config file cannot be read, and what to do, in one line (never the raw errno word alone). */
export function unreadableConfigMessage(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const shown = file.includes('/') ? file : `./${file}`;
  switch (code) {
    case 'ENOENT':
      return `no config file: ${shown} not found; give --config FILE, set TAJO_CONFIG, or create one (see README)`;
    case 'EISDIR':
      return `${shown} is a folder, not a config file: give --config path/to/tajo.yaml`;
    case 'EACCES':
    case 'EPERM':
      return `cannot read ${shown}: permission denied; make it readable (chmod u+r ${shown}) or give --config another file`;
    case 'ENOTDIR':
      return `no config file: a part of ${shown} is a file, not a folder; check the path given to --config or TAJO_CONFIG`;
    default:
      return `cannot read ${shown}: ${code ?? (err instanceof Error ? err.message : String(err))}`;
  }
}

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Rules that span keys: one identifier per database, no duplicate targets or databases. */
function semanticIssues(config: TajoConfig): Issue[] {
  const issues: Issue[] = [];
  // Channels, event types and templates of the Slack notifications (a broken template is refused here).
  if (config.connectors.slack) issues.push(...slackSectionIssues(config.connectors.slack, 'connectors.slack'));
  if (config.connectors.notion) issues.push(...notionSectionIssues(config.connectors.notion, 'connectors.notion'));
  return issues;
}

/** `base` is where the section sits: `connectors.notion` in the YAML, empty for an API body. */
function notionSectionIssues(notion: NotionConnectorConfig, base: string): Issue[] {
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

function slackSectionIssues(slack: SlackConnectorConfig, base: string): Issue[] {
  return [...validateNotificationsConfig(slack, { path: base }), ...summaryChannelIssues(slack, base)];
}

/** Summary channels resolve like notification channels: a name in `channels`, or a channel id. */
function summaryChannelIssues(slack: SlackConnectorConfig, base: string): Issue[] {
  const summaries = slack.summaries;
  if (!summaries) return [];
  const issues: Issue[] = [];
  const known = Object.keys(slack.channels);
  for (const kind of ['daily', 'weekly'] as const) {
    const ref = summaries[kind]?.channel;
    if (ref === undefined || resolveChannel(ref, slack.channels) !== undefined) continue;
    issues.push({
      path: joinPath(base, formatPath(['summaries', kind, 'channel'])),
      message: `channel "${ref}" is not in connectors.slack.channels (${known.length ? `known: ${known.join(', ')}` : 'none defined'}) and is not a channel id (C…/G…)`,
    });
  }
  return issues;
}

const sectionSchemas = { notion: notionConnectorSchema, slack: slackConnectorSchema } as const;

/**
 * A connector's section given as JSON (the management API's connect body: the YAML section as an
 * object, tokens included): the same schema and cross-key rules as the YAML, with paths relative
 * to the body. Nothing is substituted: a request must never read the server's environment.
 */
export function parseConnectorSection(connector: 'notion', raw: unknown): NotionConnectorConfig;
export function parseConnectorSection(connector: 'slack', raw: unknown): SlackConnectorConfig;
export function parseConnectorSection(
  connector: 'notion' | 'slack',
  raw: unknown,
): NotionConnectorConfig | SlackConnectorConfig {
  const parsed = sectionSchemas[connector].safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(dedupe(zodIssues(parsed.error)));
  const issues =
    connector === 'notion'
      ? notionSectionIssues(parsed.data as NotionConnectorConfig, '')
      : slackSectionIssues(parsed.data as SlackConnectorConfig, '');
  if (issues.length > 0) throw new ConfigError(issues);
  return parsed.data;
}
