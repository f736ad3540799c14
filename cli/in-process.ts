/**
 * What the in-process commands share (the syncs, query, test and page import that run in this
 * process against a config's accounts): the parsed options, the config file and tenant they read,
 * and what a failing command leaves for main's error path.
 */
import { existsSync } from 'node:fs';
import { loadConfigFile } from '../shared/app/config';
import { type TajoConfig, tenantIdSchema } from '../shared/core/config/schema';
import { readEnv } from '../shared/core/env';
import { ConfigError } from '../shared/core/errors';
import type { Parsed } from './front';
import { UsageError } from './io';

export type Values = Parsed['values'];

/** What a failing command leaves for main's error path: its run id and its summary so far. */
export interface Failure {
  runId?: string;
  summary?: object;
}

export function configPath(values: Values, env: NodeJS.ProcessEnv): string {
  return values.config ?? readEnv(env).config ?? 'tajo.yaml';
}

export function tenantOf(values: Values, config?: TajoConfig): string {
  const tenant = values.tenant ?? config?.tenant ?? 'default';
  if (!tenantIdSchema.safeParse(tenant).success) {
    throw new UsageError(`--tenant ${JSON.stringify(tenant)}: expected 1 to 48 lower-case letters, digits and dashes`);
  }
  return tenant;
}

/**
 * The config of an in-process sync. None given and no ./tajo.yaml: the person may have meant the
 * running stack, so the one line names both ways (a sync with --api never reaches here).
 */
export async function syncConfig(values: Values, env: NodeJS.ProcessEnv): Promise<TajoConfig> {
  if (values.config === undefined && !readEnv(env).config && !existsSync('tajo.yaml')) {
    throw new ConfigError([
      {
        path: '',
        message:
          'no ./tajo.yaml here: add --api URL (or set TAJO_API_URL) to sync through a running stack (npm start prints its URL), or --config FILE to sync in this process',
      },
    ]);
  }
  return loadConfigFile(configPath(values, env), env);
}
