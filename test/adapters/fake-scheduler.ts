/**
 * A fake EventBridge Scheduler speaking the REST-JSON protocol as @aws-sdk/client-scheduler sends it
 * (routes and members from the SDK's schema in dist-cjs/index.js):
 *   CreateSchedule  POST   /schedules/{Name}   JSON body (Name is the path label, not a body member)
 *   UpdateSchedule  PUT    /schedules/{Name}   JSON body
 *   GetSchedule     GET    /schedules/{Name}?groupName=
 *   DeleteSchedule  DELETE /schedules/{Name}?groupName=&clientToken=
 * Errors carry `x-amzn-errortype` and `{"Message": "..."}` with the status the SDK's schema pins on
 * each error shape: ValidationException 400, ResourceNotFoundException 404, ConflictException 409.
 * Schedules live in groups; a group must exist (`default` always does). Every request is recorded.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LoopbackServer, type RawRequest, type RawResponse, signedScope } from './fake-http';
import { FAKE_ACCOUNT, FAKE_REGION } from './fake-secrets-manager';

export interface RecordedSchedulerRequest {
  method: string;
  rawPath: string;
  /** Decoded `{Name}` label for /schedules/{Name} routes. */
  name: string | undefined;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
  headers: IncomingHttpHeaders;
  scope: string | undefined;
}

export interface FakeSchedule {
  Name: string;
  GroupName: string;
  Arn: string;
  ScheduleExpression: string;
  FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  Target: { Arn: string; RoleArn: string; Input?: string };
  State: string;
}

class SchedulerError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const ERROR_STATUS: Record<string, number> = {
  ValidationException: 400,
  ServiceQuotaExceededException: 402,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  ThrottlingException: 429,
  InternalServerException: 500,
};

/** Body members of CreateScheduleInput$/UpdateScheduleInput$ (Name is bound to the path). */
export const SCHEDULE_BODY_MEMBERS = [
  'ScheduleExpression',
  'Target',
  'FlexibleTimeWindow',
  'GroupName',
  'StartDate',
  'EndDate',
  'Description',
  'ScheduleExpressionTimezone',
  'State',
  'KmsKeyArn',
  'ClientToken',
  'ActionAfterCompletion',
];
const NAME_PATTERN = /^[0-9a-zA-Z\-_.]+$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;

export class FakeScheduler {
  readonly requests: RecordedSchedulerRequest[] = [];
  private readonly groups = new Set(['default']);
  private readonly schedules = new Map<string, FakeSchedule>();
  private readonly injected: { op: string; error: SchedulerError }[] = [];
  private readonly server = new LoopbackServer((req) => this.handle(req));
  url = '';

  constructor(groups: string[] = []) {
    for (const g of groups) this.groups.add(g);
  }

  async start(): Promise<string> {
    this.url = await this.server.start();
    return this.url;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  schedule(group: string, name: string): FakeSchedule | undefined {
    return this.schedules.get(`${group}/${name}`);
  }

  all(): FakeSchedule[] {
    return [...this.schedules.values()];
  }

  /** Seeds a schedule as if an earlier deploy had created it. */
  seed(s: Omit<FakeSchedule, 'Arn'>): void {
    this.schedules.set(`${s.GroupName}/${s.Name}`, { ...s, Arn: this.arn(s.GroupName, s.Name) });
  }

  /** The next request with this method (POST/PUT/DELETE/GET) fails with this error. */
  failNext(method: string, type: keyof typeof ERROR_STATUS, message = 'injected'): void {
    this.injected.push({ op: method, error: new SchedulerError(type, ERROR_STATUS[type], message) });
  }

  private handle(req: RawRequest): RawResponse {
    const m = /^\/schedules\/([^/]+)$/.exec(req.rawPath);
    let body: Record<string, unknown> | undefined;
    try {
      body = req.rawBody ? (JSON.parse(req.rawBody) as Record<string, unknown>) : undefined;
    } catch {
      return this.error(new SchedulerError('ValidationException', 400, 'Body is not JSON'));
    }
    const name = m ? decodeURIComponent(m[1]) : undefined;
    this.requests.push({
      method: req.method,
      rawPath: req.rawPath,
      name,
      query: Object.fromEntries(req.query),
      body,
      headers: req.headers,
      scope: signedScope(req.headers),
    });
    try {
      if (!signedScope(req.headers))
        throw new SchedulerError('UnrecognizedClientException', 403, 'Request is not signed');
      if (name === undefined) throw new SchedulerError('UnknownOperationException', 404, `No route ${req.rawPath}`);
      const i = this.injected.findIndex((f) => f.op === req.method);
      if (i >= 0) throw this.injected.splice(i, 1)[0].error;
      this.validateName(name);
      switch (req.method) {
        case 'POST':
          return this.ok(this.put(name, body, 'create'));
        case 'PUT':
          return this.ok(this.put(name, body, 'update'));
        case 'GET':
          return this.ok(this.get(name, req.query.get('groupName') ?? 'default'));
        case 'DELETE':
          if (req.rawBody) throw new SchedulerError('ValidationException', 400, 'DeleteSchedule takes no body');
          return this.ok(this.delete(name, req.query.get('groupName') ?? 'default'));
        default:
          throw new SchedulerError('UnknownOperationException', 404, `No route ${req.method} ${req.rawPath}`);
      }
    } catch (err) {
      if (err instanceof SchedulerError) return this.error(err);
      throw err;
    }
  }

  private put(name: string, body: Record<string, unknown> | undefined, mode: 'create' | 'update') {
    if (!body) throw new SchedulerError('ValidationException', 400, 'Missing body');
    const stray = Object.keys(body).filter((k) => !SCHEDULE_BODY_MEMBERS.includes(k));
    if (stray.length) throw new SchedulerError('ValidationException', 400, `Unknown member(s) ${stray.join(', ')}`);
    const group = typeof body.GroupName === 'string' ? body.GroupName : 'default';
    if (!this.groups.has(group))
      throw new SchedulerError('ResourceNotFoundException', 404, `Schedule group ${group} does not exist.`);
    const expr = body.ScheduleExpression;
    const rate = typeof expr === 'string' ? RATE.exec(expr) : null;
    if (typeof expr !== 'string' || (!rate && !/^(cron|at)\(.+\)$/.test(expr)) || (rate && Number(rate[1]) < 1)) {
      throw new SchedulerError('ValidationException', 400, `Invalid Schedule Expression ${String(expr)}.`);
    }
    const window = body.FlexibleTimeWindow as FakeSchedule['FlexibleTimeWindow'] | undefined;
    if (!window || (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE')) {
      throw new SchedulerError('ValidationException', 400, 'FlexibleTimeWindow.Mode must be OFF or FLEXIBLE');
    }
    if (window.Mode === 'FLEXIBLE') {
      const w = window.MaximumWindowInMinutes;
      if (typeof w !== 'number' || w < 1 || w > 1440) {
        throw new SchedulerError(
          'ValidationException',
          400,
          'MaximumWindowInMinutes must be 1-1440 when Mode is FLEXIBLE',
        );
      }
    }
    const target = body.Target as FakeSchedule['Target'] | undefined;
    if (!target || typeof target.Arn !== 'string' || typeof target.RoleArn !== 'string') {
      throw new SchedulerError('ValidationException', 400, 'Target.Arn and Target.RoleArn are required');
    }
    if (target.Input !== undefined && (typeof target.Input !== 'string' || target.Input.length > 8192)) {
      throw new SchedulerError('ValidationException', 400, 'Target.Input must be a string of at most 8192 characters');
    }
    const state = body.State ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED')
      throw new SchedulerError('ValidationException', 400, 'Invalid State');
    const key = `${group}/${name}`;
    if (mode === 'create' && this.schedules.has(key)) {
      throw new SchedulerError('ConflictException', 409, `Schedule ${name} already exists.`);
    }
    if (mode === 'update' && !this.schedules.has(key)) {
      throw new SchedulerError('ResourceNotFoundException', 404, `Schedule ${name} does not exist.`);
    }
    const schedule: FakeSchedule = {
      Name: name,
      GroupName: group,
      Arn: this.arn(group, name),
      ScheduleExpression: expr,
      FlexibleTimeWindow: window,
      Target: target,
      State: state,
    };
    this.schedules.set(key, schedule);
    return { ScheduleArn: schedule.Arn };
  }

  private get(name: string, group: string) {
    const s = this.schedules.get(`${group}/${name}`);
    if (!s) throw new SchedulerError('ResourceNotFoundException', 404, `Schedule ${name} does not exist.`);
    return { ...s };
  }

  private delete(name: string, group: string) {
    if (!this.groups.has(group))
      throw new SchedulerError('ResourceNotFoundException', 404, `Schedule group ${group} does not exist.`);
    if (!this.schedules.delete(`${group}/${name}`)) {
      throw new SchedulerError('ResourceNotFoundException', 404, `Schedule ${name} does not exist.`);
    }
    return {};
  }

  private validateName(name: string): void {
    if (name.length > 64 || !NAME_PATTERN.test(name)) {
      throw new SchedulerError(
        'ValidationException',
        400,
        `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 64 and match pattern [0-9a-zA-Z-_.]+`,
      );
    }
  }

  private arn(group: string, name: string): string {
    return `arn:aws:scheduler:${FAKE_REGION}:${FAKE_ACCOUNT}:schedule/${group}/${name}`;
  }

  private ok(out: Record<string, unknown>): RawResponse {
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() },
      body: JSON.stringify(out),
    };
  }

  private error(err: SchedulerError): RawResponse {
    return {
      status: err.status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': err.type, 'x-amzn-requestid': randomUUID() },
      body: JSON.stringify({ Message: err.message }),
    };
  }
}
