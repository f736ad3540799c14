/**
 * `tajo connectors test slack`: five checks a person can act on. Each says what was checked and,
 * when it fails, what to do.
 */

import type { CheckResult } from '../../core/connection-check';
import { reasonOf, UnreachableError } from '../../core/errors';
import { newStats } from '../../core/http/paced-fetch';
import { systemClock } from '../../core/ports';
import { SLACK_DEFAULT_API_URL, type SlackAnswer, SlackClient } from './client';
import { signSlackRequest } from './signature';

/** The five checks, named and ordered as the Slack docs page prints them (the --json `name`s). */
export const SLACK_CHECKS = [
  'Bot token valid',
  'Workspace accessible',
  'Channels readable',
  'Message posting enabled',
  'Event subscriptions active',
] as const;
const [TOKEN, WORKSPACE, CHANNELS, POSTING, EVENTS] = SLACK_CHECKS;

/** The checks after a failed token check: listed, not run, so the output always has all five. */
function notChecked(after: number, why: string): CheckResult[] {
  return SLACK_CHECKS.slice(after).map((name) => ({ name, ok: false, skipped: true, detail: `not checked: ${why}` }));
}

/**
 * "Workspace accessible" with the docs' scopes (chat:write channels:read channels:history users:read
 * users:read.email reactions:write files:write), which do not include team:read: team.info when the
 * token has team:read, else the workspace auth.test names, confirmed by reading in it (users.list
 * with users:read, conversations.list with channels:read). The detail says which way it was checked.
 */
async function workspaceCheck(slack: SlackClient, auth: SlackAnswer): Promise<CheckResult> {
  const scopes = auth.scopes;
  // Slack may send no X-OAuth-Scopes header: then each call says for itself whether it may.
  const has = (scope: string) => scopes.length === 0 || scopes.includes(scope);
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const teamName = text(auth.body.team);
  const url = text(auth.body.url);
  const named = `${teamName ? `"${teamName}" ` : ''}(${text(auth.body.team_id) ?? '?'}${url ? `, ${url}` : ''})`;
  if (has('team:read')) {
    const team = await slack.answer('team.info', {});
    if (team.ok) {
      const name = text((team.body.team as { name?: unknown } | undefined)?.name) ?? teamName;
      return { name: WORKSPACE, ok: true, detail: `workspace ${name ? `"${name}"` : named} (team.info)` };
    }
    if (team.error !== 'missing_scope')
      return { name: WORKSPACE, ok: false, detail: `team.info failed: ${team.error}` };
  }
  const tries: [scope: string, method: string, args: Record<string, unknown>][] = [
    ['users:read', 'users.list', { limit: 1 }],
    ['channels:read', 'conversations.list', { limit: 1, types: 'public_channel', exclude_archived: true }],
  ];
  const refused: string[] = [];
  for (const [scope, method, callArgs] of tries) {
    if (!has(scope)) continue;
    const answer = await slack.answer(method, callArgs);
    if (answer.ok) {
      return {
        name: WORKSPACE,
        ok: true,
        detail: `workspace ${named} from auth.test, readable with ${scope} (${method}); team.info not used: no team:read scope`,
      };
    }
    refused.push(`${method}: ${answer.error}`);
  }
  return {
    name: WORKSPACE,
    ok: false,
    detail:
      `the app can read nothing in workspace ${named}` +
      (refused.length ? ` (${refused.join('; ')})` : '') +
      ': add the users:read and channels:read scopes (the docs list them) and reinstall the app',
  };
}

export async function testSlackConnection(args: {
  token: string;
  apiUrl?: string;
  channels: Record<string, string>;
  /** The deployed events URL (…/slack/{tenantId}/events) and the app's signing secret. */
  eventsUrl?: string;
  signingSecret?: string;
  now: number;
}): Promise<CheckResult[]> {
  const api = args.apiUrl ?? SLACK_DEFAULT_API_URL;
  const slack = new SlackClient({ token: args.token, apiUrl: api, clock: systemClock, stats: newStats() });
  const results: CheckResult[] = [];
  let auth: SlackAnswer;
  try {
    auth = await slack.answer('auth.test', {});
  } catch (err) {
    return [
      {
        name: TOKEN,
        ok: false,
        // UnreachableError already says where and why; anything else gets the address added.
        detail: err instanceof UnreachableError ? err.message : `cannot reach Slack at ${api}: ${reasonOf(err)}`,
      },
      ...notChecked(1, 'Slack is unreachable'),
    ];
  }
  results.push(
    auth.ok
      ? {
          name: TOKEN,
          ok: true,
          detail: `bot ${auth.body.user_id ?? '?'} in team ${auth.body.team ?? auth.body.team_id}`,
        }
      : {
          name: TOKEN,
          ok: false,
          detail: `Slack refused the token (${auth.error}): check connectors.slack.bot_token`,
        },
  );
  if (!auth.ok) return [...results, ...notChecked(1, 'the token does not work')];

  results.push(await workspaceCheck(slack, auth));

  const problems: string[] = [];
  const notMember: string[] = [];
  for (const [name, id] of Object.entries(args.channels)) {
    const info = await slack.answer('conversations.info', { channel: id });
    if (!info.ok) {
      problems.push(
        `#${name} (${id}): ${info.error === 'channel_not_found' ? 'not found or private and the app is not in it' : info.error}`,
      );
      continue;
    }
    const ch = info.body.channel as { is_member?: boolean; is_archived?: boolean; is_private?: boolean };
    if (ch.is_archived) problems.push(`#${name} is archived`);
    if (!ch.is_member) notMember.push(name);
  }
  const channelCount = Object.keys(args.channels).length;
  results.push(
    problems.length === 0
      ? {
          name: CHANNELS,
          ok: true,
          detail: channelCount ? `${channelCount} channel(s)` : 'no channel configured',
        }
      : { name: CHANNELS, ok: false, detail: problems.join('; ') },
  );

  const canWrite = auth.scopes.length === 0 || auth.scopes.includes('chat:write');
  const canWritePublic = auth.scopes.includes('chat:write.public');
  results.push(
    !canWrite
      ? { name: POSTING, ok: false, detail: 'the app lacks chat:write: add it and reinstall the app' }
      : notMember.length > 0 && !canWritePublic
        ? {
            name: POSTING,
            ok: false,
            detail: `the app is not in ${notMember.map((n) => `#${n}`).join(', ')}: invite it (/invite @app) or add chat:write.public`,
          }
        : {
            name: POSTING,
            ok: true,
            detail: `chat:write${notMember.length ? ' (public channels via chat:write.public)' : ''}`,
          },
  );

  if (!args.eventsUrl || !args.signingSecret) {
    results.push({
      name: EVENTS,
      ok: false,
      detail: 'not checked: give --events-url <API URL>/slack/<tenant>/events (and connectors.slack.signing_secret)',
    });
    return results;
  }
  const body = JSON.stringify({ type: 'url_verification', challenge: `tajo-check-${args.now}` });
  const ts = Math.floor(args.now / 1000);
  try {
    const res = await fetch(args.eventsUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signSlackRequest(body, args.signingSecret, ts),
      },
      body,
      signal: AbortSignal.timeout(5_000),
    });
    const answer = (await res.json().catch(() => ({}))) as { challenge?: string };
    results.push(
      res.ok && answer.challenge === `tajo-check-${args.now}`
        ? {
            name: EVENTS,
            ok: true,
            detail: `${args.eventsUrl} answers Slack's url_verification`,
          }
        : {
            name: EVENTS,
            ok: false,
            detail: `${args.eventsUrl} answered ${res.status} without the challenge (wrong tenant, or a different signing secret)`,
          },
    );
  } catch (err) {
    results.push({
      name: EVENTS,
      ok: false,
      detail: `cannot reach ${args.eventsUrl}: ${(err as Error).message}`,
    });
  }
  return results;
}
