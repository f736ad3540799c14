/**
 * Reading a Tajo YAML, the generic part: substitute ${VAR} / ${VAR:-default} from the environment,
 * supply keys a command has from elsewhere, and turn zod's issues into paths and what was expected.
 * The app's config (shared/app/config.ts) parses and validates with these, and with each
 * connector's own cross-key checks. Every mistake is reported before anything is sent.
 */
import type { z } from 'zod';
import { formatPath } from './path';
import { type ConfigSection, type TajoConfigSchema, tajoConfigSchemaFor } from './schema';

export type Issue = { path: string; message: string };

/** What a whole-config schema takes, for the lines that say what exists or what to add. */
export interface ConfigVocabulary {
  topLevelKeys: readonly string[];
  /** The `connectors.<name>` sections it takes. */
  connectors: readonly string[];
  /** A missing key's line, by its path in the YAML (`connectors.notion.token`). */
  requiredHints: Readonly<Record<string, string>>;
}

/** The vocabulary of the schema composed from these sections (tajoConfigSchemaFor). */
export function configVocabulary(schema: TajoConfigSchema, sections: readonly ConfigSection[]): ConfigVocabulary {
  const requiredHints: Record<string, string> = { ...REQUIRED_HINTS };
  for (const { name, requiredHints: hints } of sections) {
    for (const [key, hint] of Object.entries(hints ?? {})) requiredHints[`connectors.${name}.${key}`] = hint;
  }
  return { topLevelKeys: Object.keys(schema.shape), connectors: sections.map((s) => s.name), requiredHints };
}

/** `${NAME}`, as a person writes an environment reference in the YAML. */
export const envRef = (name: string) => `\${${name}}`;

/**
 * Keys the docs' blocks leave out (they show one section at a time): what to add, in one line. A
 * connector's own come with its section (ConfigSection.requiredHints).
 */
const REQUIRED_HINTS: Record<string, string> = {
  brevo: `is required: add "brevo: { api_key: ${envRef('BREVO_API_KEY')} }" (Brevo → SMTP & API → API keys)`,
  'brevo.api_key': `is required: add "api_key: ${envRef('BREVO_API_KEY')}" (Brevo → SMTP & API → API keys)`,
};

/** A config without connector sections: what zodIssues names when given no whole config's vocabulary. */
const SHARED_VOCABULARY: ConfigVocabulary = configVocabulary(tajoConfigSchemaFor([]), []);

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

/** A connector section this release does not have: one line naming it and the sections that exist. */
export function unknownConnectorMessage(name: string, builtIn: readonly string[]): string {
  return `unknown connector "${name}" (built in and catalogue: ${builtIn.join(', ')}; a connector of your own: add definition: <file> to connectors.${name})`;
}

/**
 * Zod's issues as paths and what was expected. `vocabulary`: the whole config's (configVocabulary),
 * for the lines about an unknown top-level key or connector and a missing key's hint; without it
 * (a section alone, a definition) those lines name the shared keys only.
 */
export function zodIssues(error: z.ZodError, base: PropertyKey[] = [], vocabulary = SHARED_VOCABULARY): Issue[] {
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
            ? unknownConnectorMessage(key, vocabulary.connectors)
            : `unknown top-level key (expected: ${vocabulary.topLevelKeys.join(', ')})`,
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
      return [{ path, message: vocabulary.requiredHints[path] ?? `is required (${issue.expected})` }];
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

export function supplyMissing(raw: unknown, supply: ConfigSupply | undefined): unknown {
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

/**
 * Why a config file cannot be read, and what to do, in one line (never the raw errno word alone).
 * `remedy`: how the caller takes its config, when not the CLI's --config (npm start reads only
 * TAJO_CONFIG): it replaces the --config advice.
 */
export function unreadableConfigMessage(file: string, err: unknown, remedy?: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  const shown = file.includes('/') ? file : `./${file}`;
  switch (code) {
    case 'ENOENT':
      return `no config file: ${shown} not found; ${remedy ?? 'give --config FILE, set TAJO_CONFIG, or create one (see README)'}`;
    case 'EISDIR':
      return `${shown} is a folder, not a config file${remedy ? `; ${remedy}` : ': give --config path/to/tajo.yaml'}`;
    case 'EACCES':
    case 'EPERM':
      return `cannot read ${shown}: permission denied; make it readable (chmod u+r ${shown})${remedy ? `; ${remedy}` : ' or give --config another file'}`;
    case 'ENOTDIR':
      return `no config file: a part of ${shown} is a file, not a folder; ${remedy ?? 'check the path given to --config or TAJO_CONFIG'}`;
    default:
      return `cannot read ${shown}: ${code ?? (err instanceof Error ? err.message : String(err))}${remedy ? `; ${remedy}` : ''}`;
  }
}

export function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
