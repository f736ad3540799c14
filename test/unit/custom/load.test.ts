/**
 * The definition loader: YAML, JSON and TS/JS modules (default export: a plain object, a
 * defineConnector result or a ConnectorSDK), including a TS file outside the repo that imports
 * @tajo/connector-sdk; refusals are one line naming the file and the bad key.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { definitionFromExport, loadDefinitionFile } from '../../../shared/connectors/custom/definition/load';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
const FIXTURES = join(ROOT, 'test/fixtures/definitions');
const CLI = join(__dirname, 'load-definition-cli.ts');

/** Loads `file` in a Node process with tsx, as the local CLI does. */
async function loadInNode(
  file: string,
): Promise<{ code: number; definition?: Record<string, unknown>; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, file], {
      cwd: ROOT,
      timeout: 60_000,
    });
    return { code: 0, definition: JSON.parse(stdout) as Record<string, unknown>, stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tajo-definitions-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('data files', () => {
  it('loads the YAML definition', async () => {
    const d = await loadDefinitionFile(join(FIXTURES, 'acmeshop.yaml'));
    expect(d.name).toBe('acmeshop');
    expect(d.resources.customers?.pagination).toEqual({ type: 'cursor', param: 'cursor', next: 'meta.next_cursor' });
    expect(d.webhooks.customer_updated).toMatchObject({
      match: { header: 'X-Acme-Topic', equals: 'customer/updated' },
    });
  });

  it('loads the JSON definition', async () => {
    const d = await loadDefinitionFile(join(FIXTURES, 'minimal.json'));
    expect(d.auth).toEqual({ type: 'basic' });
    expect(d.resources.people?.mapping).toEqual({ email: 'mail' });
  });

  it('refuses a bad key with the file and its path', async () => {
    const file = join(dir, 'acme.yaml');
    await writeFile(
      file,
      'name: acme\nversion: 1.0.0\nauth: {type: bearer}\nresources:\n  customers:\n    endpoint: /c\n    pagination: {type: pages, param: p}\n    mapping: {email: e}\n',
    );
    await expect(loadDefinitionFile(file)).rejects.toThrow(
      'acme.yaml: resources.customers.pagination.type: expected one of cursor, page, offset, link',
    );
  });

  it('refuses broken YAML and JSON with the line, a missing file and an unknown extension', async () => {
    const yamlFile = join(dir, 'broken.yaml');
    await writeFile(yamlFile, 'name: acme\nversion: [1\n');
    await expect(loadDefinitionFile(yamlFile)).rejects.toThrow(/^broken\.yaml: not valid YAML at line \d+ \(/);
    const jsonFile = join(dir, 'broken.json');
    await writeFile(jsonFile, '{"name": ');
    await expect(loadDefinitionFile(jsonFile)).rejects.toThrow(/^broken\.json: not valid JSON \(/);
    await expect(loadDefinitionFile(join(dir, 'absent.yaml'))).rejects.toThrow(
      'absent.yaml: cannot read the definition (ENOENT): check the definition path',
    );
    await expect(loadDefinitionFile(join(dir, 'x.toml'))).rejects.toThrow(
      /^x\.toml: unsupported definition file type "\.toml"/,
    );
  });

  it('refuses duplicate YAML keys instead of keeping the last', async () => {
    const file = join(dir, 'dup.yaml');
    await writeFile(file, 'name: a\nname: b\nversion: 1\nauth: {type: none}\n');
    await expect(loadDefinitionFile(file)).rejects.toThrow(/^dup\.yaml: not valid YAML at line 2/);
  });
});

describe('default exports', () => {
  it('takes a plain object, a ConnectorSDK (by its brand) and a CommonJS interop wrapper', () => {
    const plain = { name: 'x' };
    expect(definitionFromExport(plain, 'x.ts')).toBe(plain);
    const { ConnectorSDK } = require('@tajo/connector-sdk') as typeof import('@tajo/connector-sdk');
    const sdk = new ConnectorSDK({ name: 'y', version: '1', auth: { type: 'none' } });
    expect(definitionFromExport(sdk, 'y.ts')).toBe(sdk.definition);
    expect(definitionFromExport({ default: sdk }, 'y.ts')).toBe(sdk.definition);
    expect(() => definitionFromExport(() => 1, 'f.ts')).toThrow(
      'f.ts: the default export must be the definition: export default defineConnector({...}), new ConnectorSDK({...}) or a plain object',
    );
  });
});

describe('TypeScript and JavaScript modules (a Node process, as the CLI runs)', () => {
  it("loads the docs' new ConnectorSDK example and a defineConnector module", async () => {
    const docs = await loadInNode(join(FIXTURES, 'docs-connector.ts'));
    expect(docs.stderr).toBe('');
    expect(docs.definition).toMatchObject({ name: 'my-platform', auth: { type: 'oauth2' } });
    const typed = await loadInNode(join(FIXTURES, 'defined-connector.ts'));
    expect(typed.definition).toMatchObject({ name: 'typed-shop', connection: { shop: { required: true } } });
  });

  it('loads a TS file outside the repo that imports @tajo/connector-sdk, and a .mjs one', async () => {
    const ts = join(dir, 'outside.ts');
    await writeFile(
      ts,
      "import { defineConnector } from '@tajo/connector-sdk';\nconst rate: number = 3;\nexport default defineConnector({ name: 'outside', version: '1.0.0', base_url: 'https://o.example', auth: { type: 'api_key', query: 'key' }, rate_limit: { requests_per_second: rate }, resources: { people: { endpoint: '/p', mapping: { email: 'email' } } } });\n",
    );
    const loaded = await loadInNode(ts);
    expect(loaded.stderr).toBe('');
    expect(loaded.definition).toMatchObject({ name: 'outside', rate_limit: { requests_per_second: 3, burst: 3 } });
    const mjs = join(dir, 'outside.mjs');
    await writeFile(
      mjs,
      "import { ConnectorSDK } from '@tajo/connector-sdk';\nexport default new ConnectorSDK({ name: 'outside-js', version: '1', auth: { type: 'none' }, base_url: 'https://o.example', webhooks: { hello: '/hello' } });\n",
    );
    expect((await loadInNode(mjs)).definition).toMatchObject({ name: 'outside-js' });
  });

  it('refuses a module without a default export, one that throws, and a bad definition, in one line', async () => {
    const none = join(dir, 'none.ts');
    await writeFile(none, 'export const x = 1;\n');
    const noDefault = await loadInNode(none);
    expect(noDefault.code).toBe(2);
    expect(noDefault.stderr).toBe('none.ts: no default export: end the file with export default ...\n');
    const throws = join(dir, 'throws.ts');
    await writeFile(throws, "throw new Error('boom');\n");
    expect((await loadInNode(throws)).stderr).toBe('throws.ts: cannot load the definition: boom\n');
    const bad = join(dir, 'bad.ts');
    await writeFile(
      bad,
      "export default { name: 'bad', version: '1', auth: { type: 'jwt' }, webhooks: { a: '/a' } };\n",
    );
    expect((await loadInNode(bad)).stderr).toBe(
      'bad.ts: auth.type: expected one of api_key, bearer, basic, oauth2, none\n',
    );
  });
});
