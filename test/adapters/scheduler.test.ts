/**
 * EventBridgeScheduleManager against a fake EventBridge Scheduler speaking REST-JSON on 127.0.0.1:
 * routes, bodies and the Conflict/NotFound handling of ensure() and remove().
 */
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { EventBridgeScheduleManager } from '../../shared/adapters/aws/scheduler';
import { topology } from '../../shared/app/topology';
import { FakeScheduler } from './fake-scheduler';

const GROUP = 'tajo-test-schedules';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/tajo-test-scheduler';
const TARGET_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:tajo-test-notion-poller';

let fake: FakeScheduler;
let client: SchedulerClient;
let schedules: EventBridgeScheduleManager;

beforeEach(async () => {
  fake = new FakeScheduler([GROUP]);
  const endpoint = await fake.start();
  client = new SchedulerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  schedules = new EventBridgeScheduleManager(client, () => ({
    groupName: GROUP,
    roleArn: ROLE_ARN,
    targetArn: TARGET_ARN,
  }));
});

afterEach(async () => {
  client.destroy();
  await fake.stop();
});

const calls = () => fake.requests.map((r) => `${r.method} ${r.rawPath}`);

describe('ensure', () => {
  test('creates rate(4 hours) with a 30-minute flexible window in the group, with the role, target and JSON input', async () => {
    const input = { tenantId: 't1', note: 'ünïcode "quoted"' };
    await schedules.ensure('notionPoll', 'notion-t1', input);

    expect(calls()).toEqual(['POST /schedules/notion-t1']);
    const [req] = fake.requests;
    expect(req.scope).toBe('us-east-1/scheduler');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.query).toEqual({});
    const body = req.body ?? {};
    // Name travels in the path only.
    expect(Object.keys(body).sort()).toEqual([
      'ClientToken',
      'FlexibleTimeWindow',
      'GroupName',
      'ScheduleExpression',
      'State',
      'Target',
    ]);
    expect(body).toMatchObject({
      ScheduleExpression: 'rate(4 hours)',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 },
      GroupName: GROUP,
      State: 'ENABLED',
      Target: { Arn: TARGET_ARN, RoleArn: ROLE_ARN },
    });
    const target = body.Target as Record<string, unknown>;
    expect(Object.keys(target).sort()).toEqual(['Arn', 'Input', 'RoleArn']);
    expect(typeof target.Input).toBe('string');
    expect(JSON.parse(target.Input as string)).toEqual(input);
    expect(body.ClientToken).toMatch(/^[0-9a-f-]{36}$/);

    const stored = fake.schedule(GROUP, 'notion-t1');
    expect(stored).toMatchObject({
      ScheduleExpression: 'rate(4 hours)',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 },
      State: 'ENABLED',
    });
    expect(fake.schedule('default', 'notion-t1')).toBeUndefined();
  });

  test('on an existing schedule (ConflictException) updates it with the same settings', async () => {
    await schedules.ensure('notionPoll', 'notion-t1', { tenantId: 't1' });
    // The topology changed between two deploys: the same schedule is updated to the new cadence.
    const changed = new EventBridgeScheduleManager(
      client,
      () => ({ groupName: GROUP, roleArn: ROLE_ARN, targetArn: TARGET_ARN }),
      {
        ...topology.schedules,
        notionPoll: { ...topology.schedules.notionPoll, cadence: { everyHours: 6 }, flexibleWindowMinutes: 45 },
      },
    );
    await changed.ensure('notionPoll', 'notion-t1', { tenantId: 't1', v: 2 });

    expect(calls()).toEqual(['POST /schedules/notion-t1', 'POST /schedules/notion-t1', 'PUT /schedules/notion-t1']);
    const [, create, update] = fake.requests;
    const { ClientToken: _a, ...createBody } = create.body ?? {};
    const { ClientToken: _b, ...updateBody } = update.body ?? {};
    expect(updateBody).toEqual(createBody);
    expect(updateBody).toMatchObject({
      ScheduleExpression: 'rate(6 hours)',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 45 },
      GroupName: GROUP,
      Target: { Arn: TARGET_ARN, RoleArn: ROLE_ARN },
    });

    const stored = fake.schedule(GROUP, 'notion-t1');
    expect(stored?.ScheduleExpression).toBe('rate(6 hours)');
    expect(stored?.FlexibleTimeWindow.MaximumWindowInMinutes).toBe(45);
    expect(JSON.parse(stored?.Target.Input ?? 'null')).toEqual({ tenantId: 't1', v: 2 });
    expect(fake.all()).toHaveLength(1);
  });

  test('other errors on create propagate without an update', async () => {
    fake.failNext('POST', 'ValidationException', 'bad schedule');
    await expect(schedules.ensure('notionPoll', 'notion-t1', {})).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'bad schedule',
    });
    expect(calls()).toEqual(['POST /schedules/notion-t1']);
  });

  test('a missing schedule group is an error, not a silent create in the default group', async () => {
    const elsewhere = new EventBridgeScheduleManager(client, () => ({
      groupName: 'no-such-group',
      roleArn: ROLE_ARN,
      targetArn: TARGET_ARN,
    }));
    await expect(elsewhere.ensure('notionPoll', 'notion-t1', {})).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(fake.all()).toEqual([]);
  });

  test("a daily cadence is a cron at the connection's local hour, in its time zone", async () => {
    await schedules.ensure('slackDaily', 'slack-t1', { tenantId: 't1' }, { timezone: 'Europe/Paris' });
    const { hour, minute } = (topology.schedules.slackDaily.cadence as { dailyAt: { hour: number; minute: number } })
      .dailyAt;
    expect(fake.requests[0]?.body).toMatchObject({
      ScheduleExpression: `cron(${minute} ${hour} * * ? *)`,
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: {
        Mode: 'FLEXIBLE',
        MaximumWindowInMinutes: topology.schedules.slackDaily.flexibleWindowMinutes,
      },
    });
    // Rates carry no zone (Scheduler would ignore it).
    await schedules.ensure('notionPoll', 'notion-t1', {}, { timezone: 'Europe/Paris' });
    expect(fake.requests[1]?.body).not.toHaveProperty('ScheduleExpressionTimezone');
  });
});

describe('remove', () => {
  test('deletes the schedule in the group', async () => {
    await schedules.ensure('notionPoll', 'notion-t1', {});
    await schedules.ensure('notionPoll', 'notion-t2', {});
    fake.requests.length = 0;

    await schedules.remove('notionPoll', 'notion-t1');
    expect(calls()).toEqual(['DELETE /schedules/notion-t1']);
    const [req] = fake.requests;
    expect(req.query.groupName).toBe(GROUP);
    expect(req.query.clientToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(req.query).sort()).toEqual(['clientToken', 'groupName']);
    expect(req.body).toBeUndefined();
    expect(fake.schedule(GROUP, 'notion-t1')).toBeUndefined();
    expect(fake.schedule(GROUP, 'notion-t2')).toBeDefined();
  });

  test('tolerates a schedule that does not exist', async () => {
    await expect(schedules.remove('notionPoll', 'notion-never')).resolves.toBeUndefined();
    expect(calls()).toEqual(['DELETE /schedules/notion-never']);
  });

  test('other errors propagate', async () => {
    await schedules.ensure('notionPoll', 'notion-t1', {});
    fake.failNext('DELETE', 'ConflictException', 'schedule is being modified');
    await expect(schedules.remove('notionPoll', 'notion-t1')).rejects.toMatchObject({ name: 'ConflictException' });
    expect(fake.schedule(GROUP, 'notion-t1')).toBeDefined();
  });
});

describe('schedule names', () => {
  const long = `notion-${'t'.repeat(50)}-${'x'.repeat(30)}`; // 88 chars

  test('longer than 64 chars are cut to 64 for ensure, the update after a conflict, and remove', async () => {
    expect(long.length).toBeGreaterThan(64);
    const cut = long.slice(0, 64);

    await schedules.ensure('notionPoll', long, {});
    await schedules.ensure('notionPoll', long, {});
    expect(fake.requests.map((r) => r.name)).toEqual([cut, cut, cut]);
    expect(fake.all().map((s) => s.Name)).toEqual([cut]);

    await schedules.remove('notionPoll', long);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'DELETE', name: cut });
    expect(fake.all()).toEqual([]);
  });

  test('the fake, like the service, refuses a name over 64 chars (so the cut above is what makes it work)', async () => {
    await expect(
      client.send(
        new CreateScheduleCommand({
          Name: long,
          GroupName: GROUP,
          ScheduleExpression: 'rate(4 hours)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: TARGET_ARN, RoleArn: ROLE_ARN },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  test('a 64-char name is used as is', async () => {
    const exact = long.slice(0, 64);
    await schedules.ensure('notionPoll', exact, {});
    expect(fake.schedule(GROUP, exact)).toBeDefined();
  });
});
