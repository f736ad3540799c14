/**
 * The whole-config schema composed from sections (shared/core/config/schema.ts tajoConfigSchemaFor):
 * the registry's sections make today's config, and a caller adds a section at runtime (issue 14: one
 * per connector definition) that is then parsed, checked and named like a built-in one.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} in plain strings is the config syntax under test

import { z } from 'zod';
import { BUILT_IN_CONNECTORS, builtInSections, parseConfig, tajoConfigSchema } from '../../shared/app/config';
import { platformConnectors } from '../../shared/connectors';
import { type ConfigSection, tajoConfigSchemaFor } from '../../shared/core/config/schema';
import { ConfigError } from '../../shared/core/errors';

/** A section as a definition-backed connector would give it: its own keys and a check across them. */
const acmeshop: ConfigSection = {
  name: 'acmeshop',
  section: z.strictObject({
    enabled: z.boolean().default(true),
    api_key: z.string().min(1),
    shop: z.string().optional(),
  }),
  requiredHints: { api_key: 'is required: add "api_key: ..." under connectors.acmeshop' },
  validate: (section, base) =>
    (section as { shop?: string }).shop === 'closed' ? [{ path: `${base}.shop`, message: 'the shop is closed' }] : [],
};

function issuesOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('the config schema composed from sections', () => {
  test("the built-in config takes exactly the registry's platform connectors' sections, in the registry's order", () => {
    const withSections = platformConnectors.filter((c) => c.config).map((c) => c.name);
    expect(BUILT_IN_CONNECTORS).toEqual(withSections);
    expect(Object.keys(tajoConfigSchema.shape.connectors.unwrap().shape)).toEqual(withSections);
    expect(Object.keys(tajoConfigSchema.shape)).toEqual([
      'tenant',
      'debug',
      'log_level',
      'log_api_calls',
      'log_events',
      'brevo',
      'connectors',
    ]);
  });

  test('a section added at runtime is parsed with its defaults, beside the built-in ones', () => {
    const sections = [...builtInSections, acmeshop];
    const config = parseConfig(
      'brevo: {api_key: k}\nconnectors:\n  acmeshop: {api_key: "${ACME_KEY}"}\n  slack: {bot_token: b}\n',
      { ACME_KEY: 'acme-secret' },
      'tajo.yaml',
      undefined,
      sections,
    );
    expect((config.connectors as Record<string, unknown>).acmeshop).toEqual({ enabled: true, api_key: 'acme-secret' });
    expect(config.connectors.slack?.bot_token).toBe('b');
  });

  test("an added section's mistakes, missing keys and cross-key checks have its paths; the unknown-connector line names it", () => {
    const sections = [...builtInSections, acmeshop];
    expect(
      issuesOf(() =>
        parseConfig(
          'brevo: {api_key: k}\nconnectors:\n  acmeshop: {colour: red}\n  hubspot: {}\n',
          {},
          'c',
          undefined,
          sections,
        ),
      ),
    ).toEqual([
      { path: 'connectors.acmeshop.api_key', message: 'is required: add "api_key: ..." under connectors.acmeshop' },
      { path: 'connectors.acmeshop.colour', message: 'unknown key (check its spelling and indentation)' },
      {
        path: 'connectors.hubspot',
        message:
          'unknown connector "hubspot" (built in and catalogue: notion, slack, acmeshop; a connector of your own: add definition: <file> to connectors.hubspot)',
      },
    ]);
    expect(
      issuesOf(() =>
        parseConfig(
          'brevo: {api_key: k}\nconnectors: {acmeshop: {api_key: a, shop: closed}}\n',
          {},
          'c',
          undefined,
          sections,
        ),
      ),
    ).toEqual([{ path: 'connectors.acmeshop.shop', message: 'the shop is closed' }]);
  });

  test('without the added section, the same config is refused: the built-in config does not know it', () => {
    expect(issuesOf(() => parseConfig('brevo: {api_key: k}\nconnectors: {acmeshop: {api_key: a}}\n'))).toEqual([
      {
        path: 'connectors.acmeshop',
        message:
          'unknown connector "acmeshop" (built in and catalogue: notion, slack, shopify, stripe; a connector of your own: add definition: <file> to connectors.acmeshop)',
      },
    ]);
  });

  test('a section name given twice is refused (a definition may not take a built-in name)', () => {
    expect(() => tajoConfigSchemaFor([...builtInSections, { ...acmeshop, name: 'notion' }])).toThrow(
      'the config section connectors.notion is given twice',
    );
  });
});
