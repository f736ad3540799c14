/**
 * The CLI's commands in one table: each command's words, arguments, options, one-line summary and
 * example. The global usage, each command's and each group's `--help`, the per-command option check
 * and the "did you mean" line are all drawn from it, so they cannot drift apart. A command main.ts
 * or commands/management.ts dispatches must have its row here (test/e2e/cli-help.test.ts checks
 * `--help` of every row).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogueConnectors, connectors } from '../shared/connectors';
import type { ConnectorDescriptor } from '../shared/core/connector';

/** Every option the CLI knows: how its value is written and what it does. */
export const OPTIONS = {
  config: { value: 'FILE', help: 'the config file (default: $TAJO_CONFIG, else ./tajo.yaml)' },
  json: { help: 'print one JSON object as the last line of stdout' },
  full: { help: 're-read everything (vanished rows are removed); default: incremental' },
  restart: {
    help: 'abandon an unfinished run (failed or killed) and start over; default: it resumes from its checkpoint',
  },
  tenant: { value: 'ID', help: "the tenant (default: the profile's, the config's `tenant`, else default)" },
  api: { value: 'URL', help: 'run against a deployed stack or a running npm start (or TAJO_API_URL)' },
  profile: { value: 'NAME', help: 'the API URL, tenant and API key saved by tenants create --save-profile' },
  detach: { help: 'with --api: return once the run is queued instead of waiting for it' },
  online: { help: 'require the schema checks the sync makes (refused when a provider cannot be reached)' },
  offline: { help: 'only the checks of the file itself, even when the providers answer' },
  database: { value: 'ID', help: 'the Notion database (id or URL)' },
  filter: {
    value: 'F',
    help: 'Notion filter JSON, or Prop=value, Prop!=value, Prop>n, Prop<n, Prop~text (repeatable)',
  },
  sort: { value: '[-]PROP', help: 'sort by a property, descending with a leading - (repeatable)' },
  limit: { value: 'N', help: 'at most N rows (default 100)' },
  'events-url': { value: 'URL', help: "also check that the deployed events route answers Slack's url_verification" },
  'create-page': { help: 'also create a row in the first database and trash it at once (writes to Notion)' },
  token: { value: 'TOKEN', help: 'the Notion internal integration secret (ntn_...)' },
  'brevo-key': { value: 'KEY', help: "the tenant's Brevo API key, when none is stored yet" },
  'bot-token': { value: 'TOKEN', help: 'the Slack bot token (xoxb-...)' },
  'signing-secret': { value: 'SECRET', help: "the Slack app's signing secret (for the events route)" },
  key: { value: 'KEY', help: 'the Brevo API key (checked against the account first)' },
  'key-name': { value: 'NAME', help: "the key's name in Brevo, shown by list" },
  table: { value: 'TABLE', help: "write to the deployed stack's table (its TableName output; AWS credentials)" },
  'save-profile': { value: 'NAME', help: 'save the tenant, its API key and TAJO_API_URL as a profile (0600)' },
  'dlq-url': { value: 'URL', help: "the lane's dead-letter queue URL (stack output)" },
  'queue-url': { value: 'URL', help: "the lane's queue URL (stack output)" },
  max: { value: 'N', help: 'move at most N messages' },
  minutes: { value: 'N', help: 'abandoned-cart: minutes a cart stays open before it is abandoned (default 60)' },
  channel: {
    value: 'CHANNEL',
    help: "abandoned-cart: the Slack channel (a name in connectors.slack.channels or an id; default: cart_abandoned's route)",
  },
  help: { help: 'show this help and run nothing' },
} as const satisfies Record<string, { value?: string; help: string }>;

export type OptionName = keyof typeof OPTIONS;

/** An option a definition connector adds (`--shop-url`, `--api-key`...): its config key in kebab case. */
export interface DefinitionOption {
  value: string;
  help: string;
}

/**
 * The options definition connectors add, by name (the catalogue's at load, a config's definition
 * when main registers it): the parser and the help read them beside OPTIONS.
 */
export const DEFINITION_OPTIONS: Record<string, DefinitionOption> = {};

/** An option's spec: the command's own (a definition connector's), the table's, or any definition's. */
export function optionSpec(name: string, c?: CommandSpec): { value?: string; help: string } | undefined {
  return (
    c?.optionHelp?.[name] ??
    (OPTIONS as Record<string, { value?: string; help: string }>)[name] ??
    DEFINITION_OPTIONS[name]
  );
}

export interface CommandSpec {
  /** The words that name the command: ['connectors', 'sync', 'notion']. */
  path: readonly string[];
  /** Its positional arguments as the usage shows them ('ID', '[QUERY...]'); none when absent. */
  args?: string;
  /** How many positional arguments it takes beyond its path (default 0; Infinity for words). */
  maxArgs?: number;
  summary: string;
  options: readonly string[];
  /** Options the command cannot run without: shown without brackets in its usage. */
  required?: readonly string[];
  example: string;
  /** Its own options' specs (a definition connector's), before the table's. */
  optionHelp?: Readonly<Record<string, { value: string; help: string }>>;
  /** Lines a person needs beyond the options (what a count means, when exit 1 happens). */
  notes?: readonly string[];
}

/** Options every command that reaches a stack or the local state for a tenant takes. */
const WHERE = ['tenant', 'api', 'profile'] as const;

/** The management commands of the registry's connectors, verb by verb, in the registry's order. */
function connectorCommands(verbs: string[], of: readonly ConnectorDescriptor[] = cliConnectors()): CommandSpec[] {
  return verbs.flatMap((verb) =>
    of.flatMap((c) =>
      c.cli.commands
        .filter((command) => command.verb === verb)
        .map((command) => ({
          path: ['connectors', verb, c.name],
          summary: command.summary,
          options: [...command.options, 'config', 'json', ...WHERE, ...(verb === 'sync' ? ['detach'] : [])],
          example: command.example,
          ...(command.optionHelp ? { optionHelp: command.optionHelp } : {}),
          ...(command.notes ? { notes: command.notes } : {}),
        })),
    ),
  );
}

/** The connectors the CLI serves without a config: built in, then the catalogue's. */
function cliConnectors(): readonly ConnectorDescriptor[] {
  return [...connectors, ...catalogueConnectors()];
}

/** A definition connector's own options (its config keys in kebab case), for the parser and the help. */
function addDefinitionOptions(c: ConnectorDescriptor): void {
  for (const command of c.cli.commands)
    for (const [o, spec] of Object.entries(command.optionHelp ?? {}))
      if (!(o in OPTIONS)) DEFINITION_OPTIONS[o] ??= spec;
}
for (const c of catalogueConnectors()) addDefinitionOptions(c);

/**
 * A connector of the config's `definition:` file, made known to the CLI (main registers it before
 * the command line is checked): its rows and its options.
 */
export function addCliConnector(c: ConnectorDescriptor): void {
  if (COMMANDS.some((row) => row.path[2] === c.name)) return;
  addDefinitionOptions(c);
  const rows = connectorCommands(['sync', 'test', 'status', 'install', 'connect', 'disconnect'], [c]);
  (COMMANDS as CommandSpec[]).push(...rows);
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    path: ['connectors', 'sync', 'notion'],
    summary:
      'Sync the configured Notion databases to Brevo contacts (then the publishing pass, and the workspace members when sync.users is on).',
    options: ['config', 'full', 'restart', 'json', ...WHERE, 'detach'],
    example: 'tajo connectors sync notion --config tajo.yaml',
    notes: [
      'Per-row failures are reported in the summary and do not change the exit code.',
      'A run that failed or was killed resumes where it stopped on the next sync (--full included); --restart starts over.',
      'One sync per tenant at a time: a second one while another tajo process runs it is refused.',
    ],
  },
  {
    path: ['connectors', 'sync', 'notion-users'],
    summary: 'Sync the Notion workspace members to Brevo contacts.',
    options: ['config', 'full', 'json', ...WHERE, 'detach'],
    example: 'tajo connectors sync notion-users --config tajo.yaml',
  },
  {
    path: ['connectors', 'sync', 'slack-users'],
    summary:
      'Sync the Slack workspace members to Brevo contacts (bots, deactivated and email-less members are counted).',
    options: ['config', 'full', 'json', ...WHERE],
    example: 'tajo connectors sync slack-users --config tajo.yaml --json',
  },
  {
    path: ['connectors', 'query', 'notion'],
    summary: 'Print the rows of a Notion database that match the filters (read only).',
    options: ['database', 'filter', 'sort', 'limit', 'config', 'json'],
    required: ['database'],
    example: 'tajo connectors query notion --database DATABASE_ID --filter Status=Active --sort -Score --limit 20',
  },
  // Definition connectors sync through their descriptors (Notion's and Slack's rows are above).
  ...connectorCommands(['sync']),
  ...connectorCommands(['test', 'status', 'install', 'connect']),
  {
    path: ['connectors', 'list'],
    summary: "List the tenant's Brevo account, its connections and every connector it can connect.",
    options: ['config', 'json', ...WHERE],
    example: 'tajo connectors list --json',
  },
  ...connectorCommands(['disconnect']),
  {
    path: ['connectors', 'register'],
    args: 'FILE',
    maxArgs: 1,
    summary:
      'Register a connector definition (.yaml, .json, or .ts with a default defineConnector export) for the tenant: validated here, stored as data.',
    options: ['json', ...WHERE],
    example: 'tajo connectors register ./acmeshop.yaml --api https://api.example.com',
    notes: ['A TypeScript definition runs on this machine only: the service receives its result as JSON data.'],
  },
  {
    path: ['skills', 'list'],
    summary: 'List the skills (customer-sync, abandoned-cart): enabled or not, their settings and what they need.',
    options: ['config', 'json', ...WHERE],
    example: 'tajo skills list --json',
  },
  {
    path: ['skills', 'enable'],
    args: 'SKILL',
    maxArgs: 1,
    summary:
      "Enable a skill: customer-sync (customers -> Brevo contacts on each platform connection's mode) or abandoned-cart (a cart not completed within --minutes -> Brevo event cart_abandoned and the Slack notification; a later order cancels it).",
    options: ['minutes', 'channel', 'config', 'json', ...WHERE],
    example: 'tajo skills enable abandoned-cart --minutes 30 --channel sales',
    notes: ['Settings not given keep their stored value (or their default).'],
  },
  {
    path: ['skills', 'disable'],
    args: 'SKILL',
    maxArgs: 1,
    summary: 'Disable a skill (its settings are kept for the next enable).',
    options: ['config', 'json', ...WHERE],
    example: 'tajo skills disable customer-sync',
  },
  {
    path: ['config', 'validate'],
    summary:
      'Check a config file (keys, types, references), then, when the providers answer, what the sync checks before writing (properties, attribute types, lists): it refuses what the sync would refuse. --online requires those checks, --offline skips them.',
    options: ['config', 'json', 'online', 'offline'],
    example: 'tajo config validate --config tajo.yaml --online',
    notes: ['Exit 2 when the config is refused: one line listing every problem, each with its key.'],
  },
  {
    path: ['tenants', 'create'],
    args: 'ID',
    maxArgs: 1,
    summary: 'Create a tenant (ops: writes the table directly) and print its API key and webhook token once.',
    options: ['table', 'save-profile', 'json', 'api'],
    example: 'tajo tenants create acme --save-profile acme',
  },
  {
    path: ['lanes', 'replay'],
    args: 'LANE',
    maxArgs: 1,
    summary:
      "Move a lane's dead-lettered messages (notion, slack, brevo, platform, timer, events) back into the lane and say why each failed. " +
      'Beside npm start the queues come from the running stack; deployed, pass --dlq-url and --queue-url (stack outputs).',
    options: ['dlq-url', 'queue-url', 'max', 'json'],
    example: 'tajo lanes replay notion --max 10',
  },
  {
    path: ['lanes', 'list'],
    summary: "Each lane's depth and its dead-letter queue's (the running npm start's queues).",
    options: ['json'],
    example: 'tajo lanes list',
  },
  {
    path: ['notion', 'search'],
    args: '[QUERY...]',
    maxArgs: Number.POSITIVE_INFINITY,
    summary: 'List the pages and databases the integration can see (read only).',
    options: ['config', 'json', 'tenant'],
    example: 'tajo notion search "Onboarding" --config tajo.yaml',
  },
  {
    path: ['notion', 'import'],
    args: 'PAGE_ID_OR_URL',
    maxArgs: 1,
    summary: 'Import a Notion page (and its files) into the document library.',
    options: ['config', 'json', 'tenant'],
    example: 'tajo notion import https://www.notion.so/Onboarding-0123456789abcdef0123456789abcdef',
  },
  {
    path: ['notion', 'resync'],
    summary: 'Re-import the library documents whose Notion page changed.',
    options: ['config', 'json', 'tenant'],
    example: 'tajo notion resync --config tajo.yaml',
  },
  {
    path: ['help'],
    args: '[COMMAND...]',
    maxArgs: Number.POSITIVE_INFINITY,
    summary: "Show a command's or a group's help.",
    options: [],
    example: 'tajo help connectors sync',
  },
];

const EXIT_CODES = 'Exit codes: 0 done, 1 fatal error (one line on stderr), 2 bad usage or config.';

export function usageLine(c: CommandSpec): string {
  const opts = c.options.map((o) => {
    const spec = optionSpec(o, c);
    const option = `--${o}${spec?.value ? ` ${spec.value}` : ''}`;
    return c.required?.includes(o) ? option : `[${option}]`;
  });
  return ['tajo', ...c.path, ...(c.args ? [c.args] : []), ...opts].join(' ');
}

/** The command a list of words names (the longest path that starts them), if any. */
export function findCommand(words: readonly string[]): CommandSpec | undefined {
  let best: CommandSpec | undefined;
  for (const c of COMMANDS) {
    if (c.path.every((w, i) => words[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best;
}

/** The commands under a group's words (['connectors', 'sync']); all of them for []. */
export function commandsUnder(words: readonly string[]): CommandSpec[] {
  return COMMANDS.filter((c) => c.path.length > words.length && words.every((w, i) => c.path[i] === w));
}

/** The longest start of the words that is a group (a prefix of some command's path). */
export function groupOf(words: readonly string[]): string[] {
  for (let n = words.length; n > 0; n--) {
    if (commandsUnder(words.slice(0, n)).length > 0) return words.slice(0, n);
  }
  return [];
}

export function commandHelp(c: CommandSpec): string {
  const width = Math.max(...c.options.map((o) => optionLabel(o, c).length), 0);
  return [
    `usage: ${usageLine(c)}`,
    '',
    c.summary,
    ...(c.options.length > 0 ? ['', 'Options:'] : []),
    ...c.options.map((o) => `  ${optionLabel(o, c).padEnd(width)}  ${optionSpec(o, c)?.help ?? ''}`),
    `  ${'-h, --help'.padEnd(width)}  ${OPTIONS.help.help}`,
    ...(c.notes ? ['', ...c.notes] : []),
    '',
    'Example:',
    `  ${c.example}`,
    '',
    EXIT_CODES,
  ].join('\n');
}

/** A summary's first clause: what a command list shows (its --help has the whole summary). */
function brief(c: CommandSpec): string {
  return (c.summary.split(/[.:;(]/)[0] as string).trim();
}

function optionLabel(o: string, c?: CommandSpec): string {
  const spec = optionSpec(o, c);
  return `--${o}${spec?.value ? ` ${spec.value}` : ''}`;
}

/** A group's help (the global usage for []): each command's words and summary, and an example. */
export function groupHelp(words: readonly string[]): string {
  const under = commandsUnder(words);
  const width = Math.max(...under.map((c) => (c.path.join(' ') + (c.args ? ` ${c.args}` : '')).length));
  const first = under[0] as CommandSpec;
  return [
    `usage: tajo ${words.length ? `${words.join(' ')} ` : ''}<command> [options]`,
    '',
    'Commands:',
    ...under.map((c) => `  tajo ${(c.path.join(' ') + (c.args ? ` ${c.args}` : '')).padEnd(width)}  ${brief(c)}`),
    '',
    words.length === 0
      ? 'Each command shows its options and an example with --help (tajo help connectors sync notion).'
      : `Each command shows its options with --help: tajo ${first.path.join(' ')} --help`,
    ...(words.length === 0
      ? [
          'FILE defaults to $TAJO_CONFIG or ./tajo.yaml; local state lives in $TAJO_STATE_DIR (./.tajo).',
          'Against a deployed stack or a running npm start: add --api URL with TAJO_API_KEY (or --profile NAME).',
          'tajo --version prints the version.',
        ]
      : []),
    '',
    'Example:',
    `  ${first.example}`,
    '',
    EXIT_CODES,
  ].join('\n');
}

/**
 * The command nearest to what was typed: one whose words contain the typed ones in order (`sync
 * notion` → `connectors sync notion`), else the smallest edit distance over the joined words.
 */
/**
 * Whether the words are plausibly `command` mistyped: they appear in its name in order, or differ
 * from its first words by at most two letters. A word like "bogus" is near nothing.
 */
export function isNearCommand(words: readonly string[], command: CommandSpec): boolean {
  let at = 0;
  for (const w of command.path) if (w === words[at]) at++;
  if (at === words.length && words.length > 0) return true;
  return distance(words.join(' '), command.path.slice(0, words.length).join(' ')) <= 2;
}

export function nearestCommand(words: readonly string[]): CommandSpec {
  const containing = COMMANDS.filter((c) => {
    let at = 0;
    for (const w of c.path) if (w === words[at]) at++;
    return at === words.length && words.length > 0;
  }).sort((x, y) => x.path.length - y.path.length);
  if (containing[0]) return containing[0];
  const typed = words.join(' ');
  let best = COMMANDS[0] as CommandSpec;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of COMMANDS) {
    // As many words as were typed (a group's start counts as a match), then the whole name.
    const score = Math.min(distance(typed, c.path.slice(0, words.length).join(' ')), distance(typed, c.path.join(' ')));
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}
