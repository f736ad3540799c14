/**
 * The CLI as a client of a deployed stack (or of `npm start`): `--api URL` (or TAJO_API_URL, or a
 * profile's `api`) with the tenant's management API key from TAJO_API_KEY or a profile. Profiles
 * live in one INI file, `~/.tajo/config` (or $TAJO_PROFILE_FILE), which must be private (0600):
 *
 *     [acme]
 *     api = https://abc123.execute-api.eu-west-1.amazonaws.com
 *     tenant = acme
 *     api_key = tajo_...
 *
 * A profile's key is only ever sent to that profile's own API URL.
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { readEnv } from '../../shared/core/env';
import { ConfigError, TajoError } from '../../shared/core/errors';
import { UsageError } from '../io';

export interface Profile {
  api?: string;
  tenant?: string;
  api_key?: string;
}

export interface Remote {
  url: string;
  key: string;
  /** The tenant from the profile, when it names one (--tenant and the config come first). */
  profileTenant?: string;
}

export function profileFile(env: NodeJS.ProcessEnv): string {
  return readEnv(env).profileFile || join(readEnv(env).home || homedir(), '.tajo', 'config');
}

/** All profiles of the file; a file others can read is refused (it holds API keys). */
export async function readProfiles(file: string): Promise<Record<string, Profile>> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch {
    return {};
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new UsageError(`${file} can be read by other users: it holds API keys, so run chmod 600 ${file}`);
  }
  const profiles: Record<string, Profile> = {};
  let current: Profile | undefined;
  for (const [i, raw] of (await readFile(file, 'utf8')).split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      current = {};
      profiles[(section[1] as string).trim()] = current;
      continue;
    }
    const kv = /^([a-z_]+)\s*=\s*(.*)$/.exec(line);
    if (!kv || !current || !['api', 'tenant', 'api_key'].includes(kv[1] as string)) {
      throw new ConfigError([
        { path: `${file}:${i + 1}`, message: 'expected [profile] or api|tenant|api_key = value' },
      ]);
    }
    current[kv[1] as keyof Profile] = (kv[2] as string).trim();
  }
  return profiles;
}

/** Adds or replaces one profile, keeping the file private. */
export async function saveProfile(file: string, name: string, profile: Profile): Promise<void> {
  const all = await readProfiles(file);
  all[name] = { ...all[name], ...profile };
  const text = Object.entries(all)
    .map(([n, p]) => [`[${n}]`, ...Object.entries(p).map(([k, v]) => `${k} = ${v}`)].join('\n'))
    .join('\n\n');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${text}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

/**
 * Where the command goes: a Remote when an API URL is given (--api, TAJO_API_URL, or the profile
 * named by --profile / TAJO_PROFILE), undefined to run in process against the local state.
 */
export async function remoteTarget(
  values: { api?: string; profile?: string },
  env: NodeJS.ProcessEnv,
): Promise<Remote | undefined> {
  const named = values.profile ?? readEnv(env).profile;
  // Nothing asks for an API: the command runs in process, and the profile file is not even read.
  if (!named && !values.api && !readEnv(env).apiUrl) return undefined;
  const profiles = await readProfiles(profileFile(env));
  const profile = profiles[named ?? 'default'];
  if (named && !profile) throw new UsageError(`no profile [${named}] in ${profileFile(env)}`);
  const url = values.api ?? readEnv(env).apiUrl ?? (named ? profile?.api : undefined);
  if (!url) return undefined;
  if (!/^https?:\/\/[^/]+/.test(url))
    throw new UsageError(`--api ${JSON.stringify(url)}: expected http(s)://host[:port]`);
  // The profile's key goes only to the profile's own API (or to any, when the profile names none).
  const profileMatches = profile && (!profile.api || sameOrigin(profile.api, url));
  const key = readEnv(env).apiKey || (profileMatches ? profile?.api_key : undefined);
  if (!key) {
    throw new UsageError(
      `no API key for ${url}: set TAJO_API_KEY, or api_key in a profile of ${profileFile(env)} (tajo tenants create --save-profile)`,
    );
  }
  return { url: url.replace(/\/+$/, ''), key, profileTenant: profileMatches ? profile?.tenant : undefined };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** The API's refusal as the CLI's errors: 400 with issues is a config error (exit 2), the rest exit 1. */
export class ApiRefusal extends TajoError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message, `api_${status}`);
  }
}

/** One call to the management API of `remote`; the answer's JSON, or an ApiRefusal. */
export async function callApi(remote: Remote, method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${remote.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${remote.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    throw new TajoError(`cannot reach the Tajo API at ${remote.url}: ${(err as Error).message}`, 'unreachable');
  }
  const text = await res.text();
  let answer: unknown;
  try {
    answer = text ? JSON.parse(text) : {};
  } catch {
    answer = { error: text.slice(0, 200) };
  }
  if (res.ok) return answer;
  const { error, issues } = (answer ?? {}) as { error?: string; message?: string; issues?: ConfigError['issues'] };
  if (res.status === 400 && Array.isArray(issues)) throw new ConfigError(issues);
  const reason = error ?? (answer as { message?: string }).message ?? res.statusText;
  if (res.status === 401) throw new ApiRefusal(401, `the API wants a key (401): ${reason}`);
  if (res.status === 404 && /^not found(: no (such tenant for|tenant has) this API key|$)/.test(reason)) {
    // The API answers a wrong key exactly as an unknown tenant (nothing leaks between tenants).
    throw new ApiRefusal(404, "not found (404): check the tenant (--tenant) and that the API key is this tenant's");
  }
  throw new ApiRefusal(res.status, `${reason} (${res.status})`);
}

/** `/tenants/{tenant}` + rest, the tenant escaped. */
export function tenantPath(tenantId: string, rest = ''): string {
  return `/tenants/${encodeURIComponent(tenantId)}${rest}`;
}

/**
 * A run the stack reports failed: its one-line reason, and the summary main's error path prints with
 * ok:false under --json, as it does for an in-process sync.
 */
export class RemoteRunFailed extends TajoError {
  constructor(
    message: string,
    readonly run: { runId: string; summary: object },
  ) {
    super(message, 'sync_failed');
  }
}

/**
 * Ctrl-C (and SIGTERM) while a command waits: `say` writes its last line, then the process ends
 * with 130 as an interrupted one does. Returns the function that removes the handler.
 */
export function onInterrupt(say: () => void): () => void {
  const handler = (signal: NodeJS.Signals) => {
    say();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
