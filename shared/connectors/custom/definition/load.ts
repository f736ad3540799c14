/**
 * Reads a definition file: `.yaml`/`.yml`/`.json` parsed as data; `.ts`/`.mts`/`.js`/`.mjs` imported
 * and their default export taken (a plain object, a `defineConnector` result or a `ConnectorSDK`).
 * Importing runs the file's code: only the local CLI and `npm start` load modules, from the user's
 * own machine; the service takes definitions as data. A user's file may live outside the repo and
 * still import `@tajo/connector-sdk`: a resolve hook (Node 24 `module.registerHooks`) points that
 * name at this repo's package, and tsx compiles TypeScript.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { oneLine, parseDefinitionText, refusal } from './parse';
import { type Definition, normalizeDefinition } from './schema';

export const DATA_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;
export const MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;
export const SDK_PACKAGE = '@tajo/connector-sdk';
/** The brand a ConnectorSDK instance carries (connector-sdk/index.js), shared across module copies. */
const SDK_BRAND = Symbol.for('tajo.connector-sdk.definition');

/** Loads and validates a definition file; every refusal is a DefinitionError of one line naming the file. */
export async function loadDefinitionFile(file: string): Promise<Definition> {
  const source = basename(file);
  const ext = extname(file).toLowerCase();
  if ((DATA_EXTENSIONS as readonly string[]).includes(ext)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw refusal(source, `cannot read the definition (${codeOf(err)}): check the definition path`);
    }
    return parseDefinitionText(text, source, ext === '.json' ? 'json' : 'yaml');
  }
  if ((MODULE_EXTENSIONS as readonly string[]).includes(ext)) {
    return normalizeDefinition(await importDefinitionModule(resolvePath(file), source), source);
  }
  throw refusal(
    source,
    `unsupported definition file type "${ext || '(none)'}": use ${[...DATA_EXTENSIONS, ...MODULE_EXTENSIONS].join(', ')}`,
  );
}

/** The definition a module's default export holds, as plain data (not yet validated). */
export function definitionFromExport(exported: unknown, source: string): unknown {
  let value = exported;
  // A CommonJS-compiled file imported as ESM exposes its exports object as `default`.
  if (isObject(value) && !isSdkInstance(value) && 'default' in value && onlyInteropKeys(value)) value = value.default;
  if (isSdkInstance(value)) return (value as { definition: unknown }).definition;
  if (isObject(value) && !Array.isArray(value)) return value;
  throw refusal(
    source,
    'the default export must be the definition: export default defineConnector({...}), new ConnectorSDK({...}) or a plain object',
  );
}

function onlyInteropKeys(value: Record<string, unknown>): boolean {
  return Object.keys(value).every((k) => k === 'default' || k === '__esModule' || k === 'module.exports');
}

function isSdkInstance(value: unknown): boolean {
  return isObject(value) && (value as Record<symbol, unknown>)[SDK_BRAND] === true && isObject(value.definition);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

async function importDefinitionModule(file: string, source: string): Promise<unknown> {
  installSdkResolver();
  let namespace: Record<string, unknown>;
  try {
    const { tsImport } = await import('tsx/esm/api');
    namespace = (await tsImport(pathToFileURL(file).href, { parentURL: pathToFileURL(__filename).href })) as Record<
      string,
      unknown
    >;
  } catch (err) {
    // A missing file, a syntax error, an import that does not resolve, or the file's own throw.
    throw refusal(source, `cannot load the definition: ${oneLine((err as Error).message ?? String(err))}`);
  }
  // A TypeScript file compiled to CommonJS shows its exports object; `export default` is its `default`.
  const cjs = namespace['module.exports'];
  const compiled = isObject(cjs) && (cjs as { __esModule?: unknown }).__esModule === true;
  const holder: Record<string, unknown> = compiled ? cjs : namespace;
  if (!('default' in holder)) throw refusal(source, 'no default export: end the file with export default ...');
  return definitionFromExport(holder.default, source);
}

let sdkResolverInstalled = false;

/** Points `@tajo/connector-sdk` at this repo's package for files anywhere on disk (once per process). */
function installSdkResolver(): void {
  if (sdkResolverInstalled) return;
  const sdkUrl = pathToFileURL(require.resolve(SDK_PACKAGE)).href;
  // Node 24's synchronous, in-thread hooks cover both import and require of the user's file.
  const { registerHooks } = require('node:module') as typeof import('node:module');
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === SDK_PACKAGE) return { url: sdkUrl, format: 'commonjs', shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
  sdkResolverInstalled = true;
}

function codeOf(err: unknown): string {
  return (err as { code?: string }).code ?? (err as Error).message ?? String(err);
}
