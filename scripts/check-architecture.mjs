#!/usr/bin/env node
/**
 * The architecture rules of ARCHITECTURE.md that are not import rules (those are dependency-cruiser's, in
 * .dependency-cruiser.cjs; `npm run arch` runs both). Prints one line per breach and exits 1 on any:
 * - no production file over 600 lines (shared/, functions/, cli/, local/, infra/, sandbox/);
 * - no Lambda handler over 40 lines (functions/<name>/handler.ts: wiring only);
 * - no branch on a connector's name outside that connector's folder (`=== 'notion'`, `case 'slack':`...):
 *   what differs per connector is a field of its descriptor, looked up in the registry. Inside a
 *   connector's folder, the hub's name (an error's provider being Brevo) is allowed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const PRODUCTION = ['shared', 'functions', 'cli', 'local', 'infra', 'sandbox', 'sdk/src', 'connector-sdk'];
const MAX_FILE_LINES = 600;
const MAX_HANDLER_LINES = 40;
/** The hub (shared/core/brevo): every connector writes to it, so naming it is no branch on a sibling. */
const HUB = 'brevo';

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (/\.(ts|mts|cts)$/.test(entry.name)) out.push(path);
  }
  return out;
}

const lineCount = (text) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
const connectorsDir = join(root, 'shared', 'connectors');
// A connector is a folder with a descriptor (the definition engine `custom/` and the catalogue's data are not).
// custom/descriptor.ts builds descriptors from definitions at runtime: the engine names no connector of its own.
const connectors = readdirSync(connectorsDir).filter(
  (n) => n !== 'custom' && existsSync(join(connectorsDir, n, 'descriptor.ts')),
);
const names = connectors.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
const branch = new RegExp(
  `([!=]==\\s*['"](${names})['"])|(['"](${names})['"]\\s*[!=]==)|(case\\s+['"](${names})['"]\\s*:)`,
);

const breaches = [];
for (const top of PRODUCTION) {
  for (const file of filesUnder(join(root, top))) {
    const rel = relative(root, file);
    const text = readFileSync(file, 'utf8');
    const lines = lineCount(text);
    // A generated file (the SDK's types from the OpenAPI document) is as long as the API it describes.
    if (lines > MAX_FILE_LINES && !rel.endsWith('.gen.ts'))
      breaches.push(`${rel}: ${lines} lines (at most ${MAX_FILE_LINES}: split it by concept)`);
    if (/^functions\/[^/]+\/handler\.ts$/.test(rel) && lines > MAX_HANDLER_LINES) {
      breaches.push(`${rel}: a handler of ${lines} lines (at most ${MAX_HANDLER_LINES}: move logic out, keep wiring)`);
    }
    const own = rel.match(/^shared\/connectors\/([^/]+)\//)?.[1];
    text.split('\n').forEach((line, i) => {
      const m = line.match(branch);
      if (!m) return;
      const named = m[2] ?? m[4] ?? m[6];
      // A connector may name itself and the hub every connector writes to (Brevo, its errors' provider).
      if (own !== undefined && (named === own || named === HUB)) return;
      if (/^\s*(\/\/|\*)/.test(line)) return;
      breaches.push(`${rel}:${i + 1}: branches on the connector name '${named}' (use its descriptor in the registry)`);
    });
  }
}

for (const b of breaches) console.log(b);
console.log(
  breaches.length === 0
    ? `architecture: ${connectors.length} connectors (${connectors.join(', ')}); file sizes, handler sizes and connector branches within the rules`
    : `architecture: ${breaches.length} breach(es)`,
);
process.exit(breaches.length === 0 ? 0 : 1);
