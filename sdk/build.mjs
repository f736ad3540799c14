#!/usr/bin/env node
/**
 * Builds dist/ (ESM + .d.ts) from src/ with the repository's TypeScript: the root `npm ci` runs it
 * (root package.json's `prepare`), so a fresh clone imports '@tajo/sdk' without a network step.
 * The sources import each other without extensions (Jest and the root type-check read them as they
 * are); Node's ESM loader needs the `.js`, so the emitted relative specifiers get it here.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });

const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const built = spawnSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
if (built.status !== 0) {
  console.error(
    '@tajo/sdk: the TypeScript build failed (the errors are above): fix sdk/src, then run node sdk/build.mjs',
  );
  process.exit(built.status ?? 1);
}

const relative = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)(['"])/g;
for (const name of readdirSync(dist)) {
  if (!/\.(js|d\.ts)$/.test(name)) continue;
  const file = join(dist, name);
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(
    relative,
    (_m, head, spec, tail) => `${head}${spec.endsWith('.js') ? spec : `${spec}.js`}${tail}`,
  );
  if (fixed !== text) writeFileSync(file, fixed);
}
