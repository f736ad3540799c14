/**
 * The CLI's front door: the command line checked against the table of commands (cli/help.ts)
 * before anything else loads. --version, --help and every usage mistake are answered here, so they
 * run nothing (no config read, no state opened, no network) and cost no more than this module.
 */

import { parseArgs } from 'node:util';
import { hubConnector, knownConnectorNames, resolveConnector } from '../shared/connectors';
import { isSkillName, SKILL_NAMES } from '../shared/core/skills';
import {
  type CommandSpec,
  commandHelp,
  commandsUnder,
  DEFINITION_OPTIONS,
  findCommand,
  groupHelp,
  groupOf,
  isNearCommand,
  nearestCommand,
  OPTIONS,
  type OptionName,
  optionSpec,
  packageVersion,
  usageLine,
} from './help';
import type { Io } from './io';

/** Options whose value may start with a dash (`--sort -Score`): parseArgs would take it for an option. */
const DASH_VALUE_OPTIONS = new Set(['--sort', '--filter']);

/** parseArgs' definitions, from the one table of options (cli/help.ts). */
const TABLE_OPTIONS = {
  ...(Object.fromEntries(
    Object.entries(OPTIONS).map(([name, spec]) => [
      name,
      {
        type: 'value' in spec ? 'string' : 'boolean',
        ...(name === 'filter' || name === 'sort' ? { multiple: true } : {}),
        ...(name === 'config' ? { short: 'c' } : name === 'help' ? { short: 'h' } : {}),
      },
    ]),
  ) as {
    [K in OptionName]: (typeof OPTIONS)[K] extends { value: string } ? ParseStringOption<K> : { type: 'boolean' };
  }),
  version: { type: 'boolean', short: 'V' },
} as const;

/** The table's options and the definition connectors' (`--shop-url`: values, read by their names). */
function parseOptions(): typeof TABLE_OPTIONS {
  const own = Object.fromEntries(Object.keys(DEFINITION_OPTIONS).map((name) => [name, { type: 'string' as const }]));
  return { ...own, ...TABLE_OPTIONS };
}

type ParseStringOption<K> = K extends 'filter' | 'sort' ? { type: 'string'; multiple: true } : { type: 'string' };

/** `--sort -Score` as `--sort=-Score`, so the value is not read as an option. */
function joinDashValues(argv: string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    if (DASH_VALUE_OPTIONS.has(a) && next !== undefined) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  return args;
}

function parse(argv: string[]) {
  return parseArgs({ args: joinDashValues(argv), allowPositionals: true, strict: true, options: parseOptions() });
}

/** Every word and option as typed, known or not: what the front door checks before parsing strictly. */
function parseLoose(argv: string[]) {
  return parseArgs({
    args: joinDashValues(argv),
    allowPositionals: true,
    strict: false,
    tokens: true,
    options: parseOptions(),
  });
}

/** A usage mistake: one line naming it, then the usage line of the command meant (or nearest). */
function usageMistake(io: Io, line: string, command: CommandSpec | undefined): { exit: number } {
  io.err(`tajo: ${line}`);
  if (command) io.err(`usage: ${usageLine(command)}`);
  return { exit: 2 };
}

/** What the third word names in `tajo connectors VERB X`: a connector (or one of its jobs). */
const JOB_TARGETS = ['notion-users', 'slack-users'];
const isKnownTarget = (name: string) => JOB_TARGETS.includes(name) || resolveConnector(name) !== undefined;
const CONNECTOR_VERBS = new Set(['sync', 'test', 'status', 'connect', 'install', 'disconnect', 'query']);

/**
 * Answers --version, --help / `tajo help ...` (running nothing: no config read, no state opened)
 * and every usage mistake (an unknown command, connector or option, an extra argument, a missing
 * value); otherwise hands the parsed command line to main.
 */
export function frontDoor(
  argv: string[],
  io: Io,
):
  | { exit: number; parsed?: undefined; command?: undefined }
  | { exit?: undefined; parsed: Parsed; command: CommandSpec } {
  const loose = parseLoose(argv);
  const words = loose.positionals;
  if (loose.values.version === true && words.length === 0) {
    io.out(`tajo ${packageVersion()}`);
    return { exit: 0 };
  }
  const asksHelp = loose.values.help === true || words[0] === 'help';
  const target = words[0] === 'help' ? words.slice(1) : words;
  const command = findCommand(target);
  if (asksHelp) {
    if (loose.values.help === true && words.length === 1 && words[0] === 'help') {
      io.out(commandHelp(findCommand(['help']) as CommandSpec));
      return { exit: 0 };
    }
    if (command && (command.path[0] !== 'help' || target.length === 1)) {
      io.out(commandHelp(command));
      return { exit: 0 };
    }
    const group = groupOf(target);
    if (group.length === target.length) {
      io.out(groupHelp(group));
      return { exit: 0 };
    }
    return unknownWords(io, target, group);
  }
  if (words.length === 0) {
    io.out(groupHelp([]));
    return { exit: 2 };
  }
  if (!command) return unknownWords(io, words, groupOf(words));
  if (command.path[0] === 'help') return { exit: 0 }; // answered above
  const [group, verb, skill] = words;
  if (group === 'skills' && (verb === 'enable' || verb === 'disable') && skill !== undefined && !isSkillName(skill))
    return usageMistake(
      io,
      `unknown skill ${JSON.stringify(skill)}: the skills are ${SKILL_NAMES.join(', ')}`,
      undefined,
    );
  const extra = words.slice(command.path.length);
  if (extra.length > (command.maxArgs ?? 0)) {
    return usageMistake(
      io,
      `unexpected argument ${JSON.stringify(extra[command.maxArgs ?? 0])} for tajo ${command.path.join(' ')}`,
      command,
    );
  }
  for (const t of loose.tokens) {
    if (t.kind !== 'option' || t.name === 'help') continue;
    if (!(command.options as readonly string[]).includes(t.name)) {
      const known = t.name in OPTIONS || t.name in DEFINITION_OPTIONS;
      return usageMistake(
        io,
        `${known ? 'option' : 'unknown option'} ${t.rawName} ${known ? 'does not apply to' : 'for'} tajo ${command.path.join(' ')}`,
        command,
      );
    }
  }
  const valueMistake = optionValueMistake(loose.tokens, command);
  if (valueMistake) return usageMistake(io, valueMistake, command);
  try {
    return { parsed: parse(argv), command };
  } catch (err) {
    // parseArgs' own line (an option without its value, a value given to a switch).
    return usageMistake(io, (err as Error).message.split('\n')[0] as string, command);
  }
}

/**
 * An option typed without its value (`--database` last, or followed by another option) or a switch
 * given one (`--json=yes`), in the CLI's words for every option alike: what it takes and where its
 * help is. parseArgs' own message (`Option '--database <value>' argument missing`) is for a programmer.
 */
function optionValueMistake(tokens: ReturnType<typeof parseLoose>['tokens'], command: CommandSpec): string | undefined {
  const help = `tajo ${command.path.join(' ')} --help`;
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const takes = optionSpec(t.name, command)?.value;
    if (!(t.name in OPTIONS) && takes === undefined) continue;
    // Loose parsing takes the next word as the value even when it is an option (`--database --json`).
    const missing = t.value === undefined || (!t.inlineValue && t.value.startsWith('-'));
    if (takes && missing) return `${t.rawName} needs a value: --${t.name} ${takes} (see ${help})`;
    if (!takes && t.value !== undefined) return `${t.rawName} takes no value (see ${help})`;
  }
  return undefined;
}

/** Words that name no command: an unknown connector, a group without its command, or a typo. */
function unknownWords(io: Io, words: string[], group: string[]): { exit: number } {
  const [first, verb, name] = words;
  if (first === 'connectors' && verb !== undefined && CONNECTOR_VERBS.has(verb) && name !== undefined) {
    const known = commandsUnder(['connectors', verb]).map((c) => c.path[2]);
    if (known.length > 0) {
      // A near miss of a name this verb takes is most likely a typo: say which one.
      const near = closest(name, known as string[]);
      if (!isKnownTarget(name) && near !== undefined)
        return usageMistake(io, `unknown connector ${JSON.stringify(name)}: did you mean ${near}?`, undefined);
      return usageMistake(
        io,
        `${isKnownTarget(name) ? '' : `${unknownConnectorLine(name)}; `}tajo connectors ${verb} takes ${known.join(', ')}`,
        undefined,
      );
    }
  }
  if (group.length > 0 && group.length === words.length) {
    const under = commandsUnder(group);
    io.err(`tajo: tajo ${group.join(' ')} ${needsWhat(group, under)}:`);
    for (const c of under) io.err(`  ${usageLine(c)}`);
    return { exit: 2 };
  }
  const nearest = nearestCommand(words);
  if (!isNearCommand(words, nearest)) {
    // Nothing it could be a typo of: say where the commands are listed, not a usage at random.
    const where = ['tajo', ...group, '--help'].join(' ');
    return usageMistake(io, `unknown command "${words.join(' ')}": \`${where}\` lists the commands`, undefined);
  }
  return usageMistake(io, `unknown command "${words.join(' ')}"`, nearest);
}

/**
 * What a group typed alone lacks: `tajo connectors status` a connector's name (those it takes, named
 * by the registry), `tajo tenants` a command.
 */
function needsWhat(group: string[], under: CommandSpec[]): string {
  const [first, verb] = group;
  if (first !== 'connectors' || verb === undefined || !CONNECTOR_VERBS.has(verb)) return 'needs a command';
  const targets = under.map((c) => c.path[2] as string);
  const names = new Set([...knownConnectorNames(), hubConnector.name]);
  // `sync` also takes a connector's jobs (notion-users, slack-users).
  const what = targets.every((t) => names.has(t)) ? 'a connector name' : 'a connector or job name';
  return `needs ${what} (${targets.join(', ')})`;
}

/** The name within two edits of `word` (a typo), when exactly one is. */
function closest(word: string, names: readonly string[]): string | undefined {
  const near = names.filter((n) => editDistance(word.toLowerCase(), n.toLowerCase()) <= 2);
  return near.length === 1 ? near[0] : undefined;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[b.length] ?? 0;
}

/** "unknown connector" in the words of the config's check (shared/core/config/load.ts), the registry's names. */
function unknownConnectorLine(name: string): string {
  const known = [...knownConnectorNames(), hubConnector.name].join(', ');
  return `unknown connector ${JSON.stringify(name)} (built in and catalogue: ${known}; a connector of your own: add definition: <file> to connectors.${name} in the config)`;
}

export type Parsed = ReturnType<typeof parse>;
