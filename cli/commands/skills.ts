/**
 * `tajo skills list|enable|disable` (product-docs §3 step 5: `tajo skills enable abandoned-cart`):
 * in process against the local state (TAJO_STATE_DIR; the tenant from --tenant or the config), or
 * with --api (or a profile) through the management API's /tenants/{t}/skills routes. The services
 * are app/skills.ts's either way.
 */
import { platformDefinitionsOf } from '../../shared/app/definitions';
import {
  disableSkill,
  enableSkill,
  listSkills,
  type SkillDeps,
  type SkillListing,
  skillDetails,
  skillLine,
} from '../../shared/app/skills';
import { isSkillName, SKILL_NAMES } from '../../shared/core/skills';
import { type Io, UsageError } from '../io';
import { type CommandValues, whereTo, withLocalState } from './command-context';
import { registerCommand } from './register';
import { callApi, tenantPath } from './remote';

export interface SkillValues extends CommandValues {
  minutes?: string;
  channel?: string;
}

/** Runs `skills ...` and `connectors register`; undefined for any other command. */
export async function skillsCommand(
  positionals: string[],
  values: SkillValues,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number | undefined> {
  const [group, verb, target] = positionals;
  if (group === 'connectors' && verb === 'register') return registerCommand(target, values, env, io);
  if (group !== 'skills') return undefined;
  if (verb === 'list') return list(values, env, io);
  if (verb === 'enable' || verb === 'disable') {
    if (!isSkillName(target))
      throw new UsageError(`unknown skill ${JSON.stringify(target ?? '')}: the skills are ${SKILL_NAMES.join(', ')}`);
    return verb === 'enable' ? enable(target, values, env, io) : disable(target, values, env, io);
  }
  return undefined;
}

function localSkillDeps(deps: Omit<SkillDeps, 'platformDefinitions'> & Parameters<typeof platformDefinitionsOf>[0]) {
  return { ...deps, platformDefinitions: platformDefinitionsOf(deps) };
}

async function list(values: SkillValues, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const { remote, tenantId } = await whereTo(values, env);
  const listing = remote
    ? ((await callApi(remote, 'GET', tenantPath(tenantId, '/skills'))) as { skills: SkillListing[] })
    : await withLocalState(env, (deps) => listSkills(localSkillDeps(deps), tenantId));
  if (values.json) {
    io.out(JSON.stringify(listing));
    return 0;
  }
  io.out(`Tenant ${tenantId}:`);
  for (const s of listing.skills) io.out(`  ${skillLine(s)}`);
  if (!listing.skills.some((s) => s.enabled)) io.out('  none enabled: tajo skills enable abandoned-cart');
  return 0;
}

async function enable(skill: string, values: SkillValues, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const settings = settingsOf(skill, values);
  const { remote, tenantId } = await whereTo(values, env);
  const res = remote
    ? ((await callApi(remote, 'PUT', tenantPath(tenantId, `/skills/${skill}`), settings)) as SkillListing & {
        warnings: string[];
      })
    : await withLocalState(env, (deps) => enableSkill(localSkillDeps(deps), tenantId, skill, settings));
  if (values.json) {
    io.out(JSON.stringify(res));
    return 0;
  }
  io.out(`${skill} enabled for ${tenantId}: ${skillDetails(res)}`);
  for (const w of res.warnings) io.out(`  warning: ${w}`);
  return 0;
}

async function disable(skill: string, values: SkillValues, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const { remote, tenantId } = await whereTo(values, env);
  const res = remote
    ? ((await callApi(remote, 'DELETE', tenantPath(tenantId, `/skills/${skill}`))) as { wasEnabled: boolean })
    : await withLocalState(env, (deps) => disableSkill(deps, tenantId, skill));
  if (values.json) {
    io.out(JSON.stringify(res));
    return 0;
  }
  io.out(`${skill} disabled for ${tenantId}${res.wasEnabled ? '' : ' (it was not enabled)'}`);
  return 0;
}

/** --minutes and --channel: the abandoned-cart skill's; refused on a skill without settings. */
function settingsOf(skill: string, values: SkillValues): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  if (values.minutes !== undefined) {
    const minutes = Number(values.minutes);
    if (!/^\d+$/.test(values.minutes.trim()) || !Number.isInteger(minutes))
      throw new UsageError(`--minutes takes a whole number of minutes, got ${JSON.stringify(values.minutes)}`);
    settings.minutes = minutes;
  }
  if (values.channel !== undefined) settings.channel = values.channel;
  if (skill !== 'abandoned-cart' && Object.keys(settings).length > 0)
    throw new UsageError(`${skill} takes no settings (--minutes and --channel are abandoned-cart's)`);
  return settings;
}
