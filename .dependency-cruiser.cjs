/**
 * Architecture rules (ARCHITECTURE.md), checked in CI by `npm run arch`:
 * - no import cycles in production code;
 * - the core (shared/core) knows no connector, no adapter and nothing above it;
 * - a connector (shared/connectors/<name>) imports the core and never a sibling connector,
 *   nor the registry that lists them all;
 * - adapters implement the core's ports: they import the core only;
 * - product code never imports tests.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle makes load order matter and hides which concept owns which.',
      from: { pathNot: '^test/' },
      to: { circular: true, viaOnly: { pathNot: '^test/' } },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment: 'The core knows no provider, no adapter, no Lambda: it talks to ports.',
      from: { path: '^shared/core/' },
      to: { path: '^(shared/(connectors|adapters|app)|functions|cli|local|infra|sandbox|bench|test)/' },
    },
    {
      name: 'connector-imports-no-sibling',
      severity: 'error',
      comment: 'A connector imports the core, never another connector (the hub, Brevo, is in the core).',
      from: { path: '^shared/connectors/([^/]+)/' },
      to: { path: '^shared/connectors/', pathNot: '^shared/connectors/$1/' },
    },
    {
      name: 'connector-imports-no-app-or-adapter',
      severity: 'error',
      comment: 'Connectors talk to ports; the app layer and the composition roots wire adapters in.',
      from: { path: '^shared/connectors/' },
      to: { path: '^(shared/(adapters|app)|functions|cli|local|infra|sandbox|bench|test)/' },
    },
    {
      name: 'adapters-import-only-core',
      severity: 'error',
      from: { path: '^shared/adapters/' },
      to: { path: '^(shared/(connectors|app)|functions|cli|local|infra|sandbox|bench|test)/' },
    },
    {
      name: 'product-imports-no-tests',
      severity: 'error',
      from: { path: '^(shared|functions|cli|local|infra|sandbox)/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out|coverage)/' },
    // swc's parser reports type-only imports as dependencies too, so type imports are checked
    // without tsc's pre-compilation pass (which needs a TypeScript API that TS 7.0 does not expose).
    tsPreCompilationDeps: false,
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
