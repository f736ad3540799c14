/**
 * The Tajo config as the product reads it: YAML text (or a file, or a connector's section as a
 * JSON body) into a validated config. The generic reading (${ENV} references, zod issues with
 * their YAML paths, missing keys a command supplies) is the core's (core/config/load.ts); the
 * schema is composed from the registry's sections (core/config/schema.ts tajoConfigSchemaFor), and
 * the checks that span a connector section's keys are each connector's, from the registry.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { connectorOf, platformConnectors } from '../connectors';
import type { NotionConnectorConfig } from '../connectors/notion/config-schema';
import type { SlackConnectorConfig } from '../connectors/slack/config-schema';
import {
  type ConfigSupply,
  configVocabulary,
  dedupe,
  type Issue,
  interpolateEnv,
  supplyMissing,
  unreadableConfigMessage,
  zodIssues,
} from '../core/config/load';
import { type ConfigSection, type TajoConfig, tajoConfigSchemaFor } from '../core/config/schema';
import { ConfigError, oneLine } from '../core/errors';

/** The sections of the registry's connectors: `connectors.<name>` for each that has one. */
export const builtInSections: readonly ConfigSection[] = platformConnectors.flatMap((c) =>
  c.config ? [{ name: c.name, ...c.config }] : [],
);

/** The connectors this release builds in: the config refuses any other `connectors.<name>`. */
export const BUILT_IN_CONNECTORS: readonly string[] = builtInSections.map((s) => s.name);

/** The whole config over the built-in sections (a caller adds definition-backed ones: parseConfig's `sections`). */
export const tajoConfigSchema = tajoConfigSchemaFor(builtInSections);
const builtInVocabulary = configVocabulary(tajoConfigSchema, builtInSections);

/**
 * Parses YAML text into a validated config; throws ConfigError listing every problem. `sections`:
 * the `connectors.<name>` it takes (the registry's; a caller adds one per connector definition).
 */
export function parseConfig(
  text: string,
  env: NodeJS.ProcessEnv = process.env,
  source = 'config',
  supply?: ConfigSupply,
  sections: readonly ConfigSection[] = builtInSections,
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
  const schema = sections === builtInSections ? tajoConfigSchema : tajoConfigSchemaFor(sections);
  const vocabulary = sections === builtInSections ? builtInVocabulary : configVocabulary(schema, sections);
  const parsed = schema.safeParse(interpolated, { reportInput: true });
  if (!parsed.success) {
    // A key whose ${VAR} is unset already has its message; the schema's complaint would repeat it.
    const envPaths = new Set(issues.map((i) => i.path));
    issues.push(...zodIssues(parsed.error, [], vocabulary).filter((i) => !envPaths.has(i.path)));
  }
  if (issues.length > 0) throw new ConfigError(dedupe(issues));
  const config = (parsed as { data: TajoConfig }).data;
  issues.push(...semanticIssues(config, sections));
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

export async function loadConfigFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  supply?: ConfigSupply,
  sections: readonly ConfigSection[] = builtInSections,
): Promise<TajoConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '', message: unreadableConfigMessage(file, err) }]);
  }
  return parseConfig(text, env, file, supply, sections);
}

/** Rules that span keys, each connector's section by its own checks (its descriptor's, or its definition's). */
function semanticIssues(config: TajoConfig, sections: readonly ConfigSection[]): Issue[] {
  const parsed = config.connectors as Record<string, unknown>;
  return sections.flatMap(({ name, validate }) => {
    const section = parsed[name];
    return section && validate ? validate(section, `connectors.${name}`) : [];
  });
}

/**
 * A connector's section given as JSON (the management API's connect body: the YAML section as an
 * object, tokens included): the same schema and cross-key rules as the YAML, with paths relative
 * to the body. Nothing is substituted: a request must never read the server's environment.
 */
export function parseConnectorSection(connector: 'notion', raw: unknown): NotionConnectorConfig;
export function parseConnectorSection(connector: 'slack', raw: unknown): SlackConnectorConfig;
export function parseConnectorSection(connector: string, raw: unknown): unknown;
export function parseConnectorSection(connector: string, raw: unknown): unknown {
  const config = connectorOf(connector).config;
  if (!config) throw new Error(`${connector} has no config section`);
  const parsed = config.section.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(dedupe(zodIssues(parsed.error, [], builtInVocabulary)));
  const issues = config.validate?.(parsed.data, '') ?? [];
  if (issues.length > 0) throw new ConfigError(issues);
  return parsed.data as NotionConnectorConfig | SlackConnectorConfig;
}
