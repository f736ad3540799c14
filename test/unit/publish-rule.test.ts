/**
 * Publishing (Notion page → Brevo campaign): the `publish` config (shape, path-precise errors),
 * the rule against a database schema, and the pure parts of the state rule (in the state or not,
 * subject, schedule, campaign name). The once-per-version rule over time is in
 * test/integration/notion-publish.test.ts.
 */

import { parseConfig } from '../../shared/app/config';
import type { NotionPage, SchemaProperty } from '../../shared/connectors/notion/client';
import type { PublishConfig } from '../../shared/connectors/notion/config-schema';
import { isPublishOnly } from '../../shared/connectors/notion/mapping/database-mapping';
import {
  campaignName,
  isInState,
  publishProperties,
  publishRuleIssues,
  ruleKey,
  SCHEDULE_MIN_LEAD_MS,
  scheduledAtOf,
  subjectOf,
} from '../../shared/connectors/notion/publish/rule';
import { ConfigError } from '../../shared/core/errors';

const DB = '3b2e7a5c1d4f4e6a8b9c0d1e2f3a4b52';

function config(publish: string, extra = ''): string {
  return `brevo:
  api_key: xkeysib-test
connectors:
  notion:
    token: secret_test
${extra}    databases:
      - id: "${DB}"
        name: Newsletters
        publish:
${publish
  .trim()
  .split('\n')
  .map((l) => `          ${l}`)
  .join('\n')}
`;
}

const VALID = `when: { property: Status, equals: Published }
list: Newsletter
sender: { email: news@example.com, name: Acme news }`;

function issuesOf(text: string): { path: string; message: string }[] {
  try {
    parseConfig(text, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('the config was accepted');
}

function publishOf(text: string): PublishConfig {
  const db = parseConfig(text, {}).connectors.notion?.databases[0];
  if (!db?.publish) throw new Error('no publish section');
  return db.publish;
}

describe('publish config', () => {
  test('a minimal rule gets its defaults: send now, skip pages already published', () => {
    const p = publishOf(config(VALID));
    expect(p).toEqual({
      when: { property: 'Status', equals: 'Published' },
      list: 'Newsletter',
      sender: { email: 'news@example.com', name: 'Acme news' },
      schedule: 'now',
      existing: 'skip',
    });
  });

  test('every option: list id, sender id, a date property schedule, subject, reply-to, footer', () => {
    const p = publishOf(
      config(`when: { property: Done, equals: true }
list: 12
sender: { id: 3 }
schedule: { property: Send on, time: "08:30", timezone: Europe/Paris }
subject_property: Subject
reply_to: team@example.com
footer_text: Acme, 1 rue de la Paix, Paris
existing: send`),
    );
    expect(p.when.equals).toBe(true);
    expect(p.sender).toEqual({ id: 3 });
    expect(p.schedule).toEqual({ property: 'Send on', time: '08:30', timezone: 'Europe/Paris' });
    expect(publishOf(config(`${VALID}\nschedule: "2026-12-01T09:00:00+01:00"`)).schedule).toBe(
      '2026-12-01T09:00:00+01:00',
    );
  });

  test('mistakes are refused with the path of the wrong key', () => {
    const base = 'connectors.notion.databases[0].publish';
    expect(issuesOf(config('list: Newsletter\nsender: { id: 3 }'))).toContainEqual(
      expect.objectContaining({ path: `${base}.when` }),
    );
    expect(issuesOf(config('when: { property: Status, equals: Published }\nsender: { id: 3 }'))).toContainEqual(
      expect.objectContaining({ path: `${base}.list` }),
    );
    expect(
      issuesOf(config(`${VALID.replace('{ email: news@example.com, name: Acme news }', '{ id: 3, email: a@b.co }')}`)),
    ).toContainEqual({
      path: `${base}.sender.id`,
      message: 'give the sender by email or by id, not both',
    });
    expect(
      issuesOf(config(VALID.replace('{ email: news@example.com, name: Acme news }', '{ name: Acme }'))),
    ).toContainEqual({
      path: `${base}.sender`,
      message: 'give the sender email (verified in Brevo) or the sender id',
    });
    expect(issuesOf(config(VALID.replace('news@example.com', 'not-an-email')))).toContainEqual(
      expect.objectContaining({ path: `${base}.sender.email` }),
    );
    expect(issuesOf(config(`${VALID}\nschedule: tomorrow`))).toContainEqual(
      expect.objectContaining({ path: `${base}.schedule`, message: expect.stringContaining('"now"') }),
    );
    expect(issuesOf(config(`${VALID}\nschedule: { property: Send on, timezone: Mars/Olympus }`))).toContainEqual(
      expect.objectContaining({ path: `${base}.schedule.timezone` }),
    );
    expect(issuesOf(config(`${VALID}\nexisting: maybe`))).toContainEqual(
      expect.objectContaining({ path: `${base}.existing` }),
    );
    expect(issuesOf(config(`${VALID}\nsubjekt_property: Subject`))).toContainEqual(
      expect.objectContaining({ path: `${base}.subjekt_property`, message: expect.stringContaining('unknown key') }),
    );
    expect(issuesOf(config(VALID.replace('equals: Published', 'equals: ""')))).toContainEqual(
      expect.objectContaining({ path: `${base}.when.equals` }),
    );
  });

  test('publishing needs the database sync: it is what reads the rows', () => {
    expect(issuesOf(config(VALID, '    sync: { databases: false }\n'))).toContainEqual({
      path: 'connectors.notion.databases[0].publish',
      message: 'pages are published as the sync reads them: set connectors.notion.sync.databases to true',
    });
  });

  test('a database with publish and no field_mapping or sync_to_list is read for publishing only', () => {
    const db = parseConfig(config(VALID), {}).connectors.notion?.databases[0];
    if (!db) throw new Error('no database');
    expect(isPublishOnly(db)).toBe(true);
    expect(isPublishOnly({ ...db, sync_to_list: 4 })).toBe(false);
    expect(isPublishOnly({ ...db, publish: undefined })).toBe(false);
    expect(
      publishProperties({
        ...db,
        publish: publishOf(config(`${VALID}\nsubject_property: S\nschedule: { property: D }`)),
      }),
    ).toEqual(['Status', 'S', 'D']);
  });
});

const SCHEMA: Record<string, SchemaProperty> = {
  Name: { id: 'title', type: 'title' },
  Status: { id: 's', type: 'status', options: ['Draft', 'Published'] },
  Stage: { id: 'st', type: 'select', options: ['A', 'B'] },
  Done: { id: 'd', type: 'checkbox' },
  Body: { id: 'b', type: 'rich_text' },
  'Send on': { id: 'so', type: 'date' },
  Seats: { id: 'n', type: 'number' },
};

function rule(over: Partial<PublishConfig> = {}): PublishConfig {
  return {
    when: { property: 'Status', equals: 'Published' },
    list: 'Newsletter',
    sender: { email: 'news@example.com' },
    schedule: 'now',
    existing: 'skip',
    ...over,
  };
}

describe('the rule against the database schema', () => {
  const issues = (r: PublishConfig) => publishRuleIssues(0, r, SCHEMA, 'Newsletters');
  const at = (suffix: string) => `connectors.notion.databases[0].publish.${suffix}`;

  test('a rule that fits has no issue (status, select and checkbox states)', () => {
    expect(issues(rule())).toEqual([]);
    expect(issues(rule({ when: { property: 'Stage', equals: 'B' } }))).toEqual([]);
    expect(issues(rule({ when: { property: 'Done', equals: true }, subject_property: 'Body' }))).toEqual([]);
    expect(issues(rule({ schedule: { property: 'Send on', time: '09:00', timezone: 'UTC' } }))).toEqual([]);
  });

  test('each misfit names its key and what the database has', () => {
    expect(issues(rule({ when: { property: 'State', equals: 'Published' } }))).toEqual([
      { path: at('when.property'), reason: expect.stringContaining('has no property "State" (it has: Body, Done') },
    ]);
    expect(issues(rule({ when: { property: 'Body', equals: 'x' } }))).toEqual([
      {
        path: at('when.property'),
        reason: '"Body" is a rich_text property; the publish state needs a status, select or checkbox property',
      },
    ]);
    expect(issues(rule({ when: { property: 'Done', equals: 'yes' } }))).toEqual([
      { path: at('when.equals'), reason: '"Done" is a checkbox: expected true or false, not "yes"' },
    ]);
    expect(issues(rule({ when: { property: 'Status', equals: true } }))[0]?.path).toBe(at('when.equals'));
    expect(issues(rule({ when: { property: 'Status', equals: 'Publised' } }))).toEqual([
      { path: at('when.equals'), reason: '"Status" has no option "Publised" (its options: Draft, Published)' },
    ]);
    expect(issues(rule({ subject_property: 'Seats' }))[0]).toEqual({
      path: at('subject_property'),
      reason: expect.stringContaining('"Seats" is a number property'),
    });
    expect(issues(rule({ schedule: { property: 'Body', time: '09:00', timezone: 'UTC' } }))[0]?.path).toBe(
      at('schedule.property'),
    );
    // A schema cached before option names were kept: the option cannot be checked, the type can.
    expect(
      publishRuleIssues(
        0,
        rule({ when: { property: 'Status', equals: 'Anything' } }),
        { Status: { id: 's', type: 'status' } },
        'N',
      ),
    ).toEqual([]);
  });
});

function page(props: Record<string, unknown>, over: Partial<NotionPage> = {}): NotionPage {
  const properties: NotionPage['properties'] = {
    Name: { id: 'title', type: 'title', title: [{ plain_text: 'May issue' }] },
  };
  for (const [name, v] of Object.entries(props)) properties[name] = { id: name, ...(v as { type: string }) };
  return {
    object: 'page',
    id: '11111111-2222-3333-4444-555555555555',
    created_time: '2026-11-01T10:00:00.000Z',
    last_edited_time: '2026-11-22T09:58:00.000Z',
    properties,
    ...over,
  };
}
const status = (name: string | null) => ({ type: 'status', status: name === null ? null : { name } });

describe('the state rule', () => {
  test('a page is in the state when its status, select or checkbox equals the rule', () => {
    expect(isInState(page({ Status: status('Published') }), rule())).toBe(true);
    expect(isInState(page({ Status: status('Draft') }), rule())).toBe(false);
    expect(isInState(page({ Status: status(null) }), rule())).toBe(false);
    expect(isInState(page({}), rule())).toBe(false);
    expect(
      isInState(
        page({ Stage: { type: 'select', select: { name: 'B' } } }),
        rule({ when: { property: 'Stage', equals: 'B' } }),
      ),
    ).toBe(true);
    const checkbox = rule({ when: { property: 'Done', equals: true } });
    expect(isInState(page({ Done: { type: 'checkbox', checkbox: true } }), checkbox)).toBe(true);
    expect(isInState(page({ Done: { type: 'checkbox', checkbox: false } }), checkbox)).toBe(false);
    expect(
      isInState(
        page({ Done: { type: 'checkbox', checkbox: false } }),
        rule({ when: { property: 'Done', equals: false } }),
      ),
    ).toBe(true);
  });

  test('a trashed page is never in the state', () => {
    expect(isInState(page({ Status: status('Published') }, { in_trash: true }), rule())).toBe(false);
  });

  test('the rule key changes with the property or the value, not with the list or sender', () => {
    expect(ruleKey(rule())).toBe(ruleKey(rule({ list: 9, sender: { id: 2 } })));
    expect(ruleKey(rule())).not.toBe(ruleKey(rule({ when: { property: 'Status', equals: 'Live' } })));
  });

  test('the subject is the subject property when it has text, else the title', () => {
    const withSubject = rule({ subject_property: 'Subject' });
    const text = (s: string) => ({ type: 'rich_text', rich_text: s ? [{ plain_text: s }] : [] });
    expect(subjectOf(page({ Subject: text('Big news') }), withSubject)).toBe('Big news');
    expect(subjectOf(page({ Subject: text('') }), withSubject)).toBe('May issue');
    expect(subjectOf(page({}), rule())).toBe('May issue');
  });

  test('the send time: now, a fixed time, or the page date (a day alone at the configured local time)', () => {
    const now = Date.parse('2026-11-22T10:00:00.000Z');
    expect(scheduledAtOf(page({}), rule(), now)).toBeUndefined();
    expect(scheduledAtOf(page({}), rule({ schedule: '2026-11-23T09:00:00+01:00' }), now)).toBe(
      '2026-11-23T08:00:00.000Z',
    );
    // Past, or too close to schedule: sent at once.
    expect(scheduledAtOf(page({}), rule({ schedule: '2026-11-01T09:00:00Z' }), now)).toBeUndefined();
    expect(
      scheduledAtOf(page({}), rule({ schedule: new Date(now + SCHEDULE_MIN_LEAD_MS - 1000).toISOString() }), now),
    ).toBeUndefined();
    const byDate = rule({ schedule: { property: 'Send on', time: '09:00', timezone: 'Europe/Paris' } });
    const date = (start: string | null) => ({ type: 'date', date: start === null ? null : { start, end: null } });
    expect(scheduledAtOf(page({ 'Send on': date('2026-11-25') }), byDate, now)).toBe('2026-11-25T08:00:00.000Z');
    expect(scheduledAtOf(page({ 'Send on': date('2026-11-25T18:30:00.000+01:00') }), byDate, now)).toBe(
      '2026-11-25T17:30:00.000Z',
    );
    expect(scheduledAtOf(page({ 'Send on': date(null) }), byDate, now)).toBeUndefined();
    expect(scheduledAtOf(page({ 'Send on': date('2026-11-20') }), byDate, now)).toBeUndefined();
  });

  test('the campaign name is readable and names the page version', () => {
    const name = campaignName('May issue', '11111111-2222-3333-4444-555555555555', '2026-11-22T09:58:00.000Z');
    expect(name).toBe('May issue [notion 11111111222233334444555555555555 2026-11-22T09:58:00.000Z]');
    expect(campaignName('x'.repeat(300), 'p', 'v').length).toBeLessThan(160);
    expect(campaignName('', 'p', 'v')).toBe('Untitled [notion p v]');
  });
});
