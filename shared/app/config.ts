/**
 * The Tajo config as the product reads it: YAML text (or a file, or a connector's section as a
 * JSON body) into a validated config. The generic reading (${ENV} references, zod issues with
 * their YAML paths, missing keys a command supplies) is the core's (core/config/load.ts); the
 * schema is composed from the registry's sections (core/config/schema.ts tajoConfigSchemaFor), and
 * the checks that span a connector section's keys are each connector's, from the registry.
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import {
  catalogueConnectors,
  connectorOf,
  knownConnectorNames,
  platformConnectors,
  useConfigDefinition,
} from '../connectors';
import { type Definition, parseDefinitionText } from '../connectors/custom';
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

/** A connector's section, from its descriptor (built in, catalogue, or a config's definition). */
function sectionOf(c: { name: string; config?: Omit<ConfigSection, 'name'> }): ConfigSection[] {
  return c.config ? [{ name: c.name, ...c.config }] : [];
}

/** The sections of the registry's connectors: `connectors.<name>` for each that has one. */
export const builtInSections: readonly ConfigSection[] = platformConnectors.flatMap(sectionOf);

/** The connectors this release builds in: the config refuses any other `connectors.<name>`. */
export const BUILT_IN_CONNECTORS: readonly string[] = builtInSections.map((s) => s.name);

/** The whole config over the built-in sections (a caller adds definition-backed ones: parseConfig's `sections`). */
export const tajoConfigSchema = tajoConfigSchemaFor(builtInSections);
const builtInVocabulary = configVocabulary(tajoConfigSchema, builtInSections);

/**
 * The whole schema and its vocabulary per list of sections, built once per list: every parse of a
 * config (each OAuth install, each connect) reuses the default sections' instead of composing zod again.
 */
const composed = new WeakMap<
  readonly ConfigSection[],
  { schema: ReturnType<typeof tajoConfigSchemaFor>; vocabulary: ReturnType<typeof configVocabulary> }
>([[builtInSections, { schema: tajoConfigSchema, vocabulary: builtInVocabulary }]]);

function composedFor(sections: readonly ConfigSection[]) {
  let found = composed.get(sections);
  if (found === undefined) {
    const schema = tajoConfigSchemaFor(sections);
    found = { schema, vocabulary: configVocabulary(schema, sections) };
    composed.set(sections, found);
  }
  return found;
}

let defaultSectionsMemo: readonly ConfigSection[] | undefined;

/** The sections a config takes without definition files: the built-in connectors' and the catalogue's. */
export function defaultSections(): readonly ConfigSection[] {
  defaultSectionsMemo ??= [...builtInSections, ...catalogueConnectors().flatMap(sectionOf)];
  return defaultSectionsMemo;
}

/**
 * Reads a `definition:` file of a config (relative to the config file). Data files (YAML, JSON) by
 * default; the CLI and npm start set the loader that also imports TypeScript modules
 * (definition/load.ts, which no Lambda bundle may pull in).
 */
export type DefinitionFileLoader = (file: string) => Promise<Definition>;
let definitionLoader: DefinitionFileLoader = async (file) => {
  const ext = extname(file).toLowerCase();
  if (ext !== '.yaml' && ext !== '.yml' && ext !== '.json')
    throw new ConfigError([{ path: '', message: `${file}: a definition here is a .yaml, .yml or .json file` }]);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '', message: unreadableConfigMessage(file, err) }]);
  }
  return parseDefinitionText(text, file, ext === '.json' ? 'json' : 'yaml');
};

/** The loader of `definition:` files (the CLI's and npm start's take TypeScript modules too). */
export function useDefinitionLoader(loader: DefinitionFileLoader): void {
  definitionLoader = loader;
}

/**
 * The sections the config's `connectors.<name>.definition: FILE` entries add: each file read
 * (relative to the config file), its name checked against the section's, and its connector made
 * resolvable. A definition's mistakes are refused with the file and their path.
 */
export async function definitionSections(text: string, configFile: string): Promise<ConfigSection[]> {
  let raw: unknown;
  try {
    raw = parseDocument(text).toJS();
  } catch {
    return [];
  }
  const connectors = (raw as { connectors?: unknown } | null)?.connectors;
  if (connectors === null || typeof connectors !== 'object') return [];
  const known = new Set(knownConnectorNames());
  const sections: ConfigSection[] = [];
  const issues: Issue[] = [];
  for (const [name, section] of Object.entries(connectors as Record<string, unknown>)) {
    const file = (section as { definition?: unknown } | null)?.definition;
    if (typeof file !== 'string' || file.trim() === '') continue;
    if (known.has(name)) {
      issues.push({
        path: `connectors.${name}.definition`,
        message: `${name} is built in (or in the catalogue): remove definition, or name your connector otherwise`,
      });
      continue;
    }
    const definition = await definitionLoader(resolve(dirname(configFile), file));
    if (definition.name !== name) {
      issues.push({
        path: `connectors.${name}.definition`,
        message: `${file} defines "${definition.name}", not "${name}": rename the section connectors.${definition.name}`,
      });
      continue;
    }
    sections.push(...sectionOf(useConfigDefinition(definition)));
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return sections;
}

/**
 * Parses YAML text into a validated config; throws ConfigError listing every problem. `sections`:
 * the `connectors.<name>` it takes (the registry's; a caller adds one per connector definition).
 */
export function parseConfig(
  text: string,
  env: NodeJS.ProcessEnv = process.env,
  source = 'config',
  supply?: ConfigSupply,
  sections: readonly ConfigSection[] = defaultSections(),
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
  const { schema, vocabulary } = composedFor(sections);
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
  sections: readonly ConfigSection[] = defaultSections(),
): Promise<TajoConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '', message: unreadableConfigMessage(file, err) }]);
  }
  const own = await definitionSections(text, file);
  return parseConfig(text, env, file, supply, own.length > 0 ? [...sections, ...own] : sections);
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
