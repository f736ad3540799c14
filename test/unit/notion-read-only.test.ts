/**
 * connectors.notion.read_only: the config key and its default (import-only connections are
 * read-only), the validation of read-only configs that write, and which requests count as writes.
 */

import { parseConfig } from '../../shared/app/config';
import {
  isImportOnly,
  isNotionWrite,
  NotionReadOnlyError,
  notionReadOnly,
  notionWritesConfigured,
  readOnlyIssues,
} from '../../shared/connectors/notion/read-only';
import { ConfigError } from '../../shared/core/errors';

const DB = '1f0c5e3a9b2d4c6e8f7a1b2c3d4e5f60';

function notionConfig(extra: string) {
  const yaml = `brevo:\n  api_key: xkeysib-test\nconnectors:\n  notion:\n    token: secret_test\n${extra}`;
  const notion = parseConfig(yaml, {}).connectors.notion;
  if (!notion) throw new Error('no notion section');
  return notion;
}

const withDatabase = `    databases:\n      - id: "${DB}"\n        sync_to_list: Customers\n`;

describe('the read_only default', () => {
  test('import-only (no database): read-only', () => {
    const notion = notionConfig('');
    expect(notion.read_only).toBeUndefined();
    expect(isImportOnly(notion)).toBe(true);
    expect(notionReadOnly(notion)).toBe(true);
  });

  test('databases listed but sync.databases off: still import-only', () => {
    const notion = notionConfig(`    sync: { databases: false }\n${withDatabase}`);
    expect(notionReadOnly(notion)).toBe(true);
  });

  test('a database sync: not read-only unless asked', () => {
    const notion = notionConfig(withDatabase);
    expect(isImportOnly(notion)).toBe(false);
    expect(notionReadOnly(notion)).toBe(false);
  });

  test('an explicit value wins either way', () => {
    expect(notionReadOnly(notionConfig(`    read_only: true\n${withDatabase}`))).toBe(true);
    expect(notionReadOnly(notionConfig('    read_only: false\n'))).toBe(false);
  });

  test('read_only must be a boolean, refused with its path', () => {
    expect(() => notionConfig('    read_only: "yes"\n')).toThrow(/connectors\.notion\.read_only: .*boolean/);
  });
});

describe('read_only with features that write to Notion', () => {
  test('a database sync only reads Notion: read_only: true with it is valid', () => {
    const notion = notionConfig(`    read_only: true\n${withDatabase}`);
    expect(notionWritesConfigured(notion)).toEqual([]);
    expect(readOnlyIssues(notion)).toEqual([]);
  });

  const rule = `    rules:
      - name: converted
        when: { event: contact_updated, attribute: LIFECYCLE_STAGE, becomes: customer }
        database: "${DB}"
        match_by: Email
        properties:
          Email: "{{email}}"
`;

  test('Brevo → Notion rules write: a rules-only connection is not read-only by default', () => {
    const notion = notionConfig(rule);
    expect(notionWritesConfigured(notion)).toEqual([
      {
        path: 'connectors.notion.rules[0]',
        writes: 'rule converted creates or updates pages in Notion from Brevo events',
      },
    ]);
    expect(isImportOnly(notion)).toBe(false);
    expect(notionReadOnly(notion)).toBe(false);
  });

  test('read_only: true with a rule is refused at the path of the rule', () => {
    expect(() => notionConfig(`    read_only: true\n${rule}`)).toThrow(ConfigError);
    expect(() => notionConfig(`    read_only: true\n${rule}`)).toThrow(
      /connectors\.notion\.rules\[0\].*read_only is true/s,
    );
  });

  test('each writing feature is refused at its own path, saying read_only is on', () => {
    const writes = [
      { path: 'connectors.notion.rules[0]', writes: 'creates pages from Brevo events' },
      { path: 'connectors.notion.campaigns', writes: 'writes campaign results to pages' },
    ];
    const readOnly = notionConfig('    read_only: true\n');
    const issues = readOnlyIssues(readOnly, writes);
    expect(issues.map((i) => i.path)).toEqual(['connectors.notion.rules[0]', 'connectors.notion.campaigns']);
    expect(issues[0]?.message).toBe(
      'creates pages from Brevo events, but connectors.notion.read_only is true (never write to Notion): ' +
        'remove this or set read_only: false',
    );
    // Without an explicit read_only: true there is nothing to refuse (the default follows the features).
    expect(readOnlyIssues(notionConfig(''), writes)).toEqual([]);
    expect(readOnlyIssues(notionConfig('    read_only: false\n'), writes)).toEqual([]);
  });
});

describe('isNotionWrite', () => {
  const url = (path: string) => new URL(`https://api.notion.com${path}`);
  test.each([
    ['GET', '/v1/pages/abc'],
    ['GET', '/v1/blocks/abc/children'],
    ['POST', '/v1/search'],
    ['POST', '/v1/data_sources/abc/query'],
    ['POST', '/v1/databases/abc/query'],
    ['HEAD', '/v1/users'],
  ])('%s %s is a read', (method, path) => {
    expect(isNotionWrite(url(path), method)).toBe(false);
  });

  test.each([
    ['POST', '/v1/pages'],
    ['PATCH', '/v1/pages/abc'],
    ['PATCH', '/v1/blocks/abc/children'],
    ['PATCH', '/v1/blocks/abc'],
    ['DELETE', '/v1/blocks/abc'],
    ['POST', '/v1/comments'],
    ['POST', '/v1/file_uploads'],
    ['POST', '/v1/data_sources'],
    ['PATCH', '/v1/data_sources/abc'],
    ['post', '/v1/pages'],
  ])('%s %s is a write', (method, path) => {
    expect(isNotionWrite(url(path), method)).toBe(true);
  });

  test('the refusal is a ConfigError naming read_only, the method and the path', () => {
    const err = new NotionReadOnlyError('patch', '/v1/pages/abc');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      'connectors.notion.read_only: the Notion connection is read-only: PATCH /v1/pages/abc was refused and not sent',
    );
  });
});
