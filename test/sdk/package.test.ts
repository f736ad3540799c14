/**
 * The package as a fresh clone has it after the root `npm ci` (its `prepare` builds sdk/dist, the
 * root dependency file:./sdk links it): `from '@tajo/sdk'` in Node's ESM, `require('<repo>/sdk')`,
 * and the types beside the code. Run from the repository's root as a user's script would be.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const dist = join(root, 'sdk', 'dist');

const node = (args: string[]) => {
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TAJO_API_URL: '', TAJO_API_KEY: '' },
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
};

beforeAll(() => {
  if (!existsSync(join(dist, 'index.js'))) {
    throw new Error('sdk/dist is missing: the root npm ci builds it (prepare); or run node sdk/build.mjs');
  }
});

test("import { TajoClient } from '@tajo/sdk' in Node's ESM, and a missing URL is a TajoError naming TAJO_API_URL", () => {
  const script = `
    import { TajoClient, TajoError, signatureHeader } from '@tajo/sdk';
    const tajo = new TajoClient({ webhookSecret: 'whsec_1' });
    const body = JSON.stringify({ id: 'evt_1', type: 'contact.created', createdAt: 'now', tenantId: 't', contact: { email: 'a@b.c' } });
    const event = tajo.events.verify(body, { 'tajo-signature': signatureHeader('whsec_1', body) });
    try { await tajo.connectors.list(); } catch (e) { console.log(event.id, e instanceof TajoError, e.code); }
  `;
  const r = node(['--input-type=module', '-e', script]);
  expect(r.err).toBe('');
  expect(r.out).toBe('evt_1 true missing_base_url');
});

test("require('<repo>/sdk') (the package folder) gives the same client", () => {
  const r = node([
    '-e',
    `const { TajoClient } = require(${JSON.stringify(join(root, 'sdk'))}); console.log(typeof TajoClient);`,
  ]);
  expect(r.out).toBe('function');
});

test('the types ship beside the code, and the code imports nothing but node: built-ins', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'sdk', 'package.json'), 'utf8')) as Record<string, unknown>;
  expect(pkg).toMatchObject({ name: '@tajo/sdk', type: 'module', exports: { '.': { types: './dist/index.d.ts' } } });
  expect(pkg.dependencies).toBeUndefined();
  expect(readFileSync(join(dist, 'index.d.ts'), 'utf8')).toContain('TajoClient');
  for (const file of ['client.js', 'connectors.js', 'events.js', 'http.js', 'signature.js', 'receiver.js']) {
    const specifiers = [...readFileSync(join(dist, file), 'utf8').matchAll(/from '([^']+)'/g)].map(
      (m) => m[1] as string,
    );
    expect(specifiers.filter((s) => !s.startsWith('./') && !s.startsWith('node:'))).toEqual([]);
    expect(specifiers.filter((s) => s.startsWith('./') && !s.endsWith('.js'))).toEqual([]);
  }
});
