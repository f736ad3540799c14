/**
 * Per-connection schedules on EventBridge Scheduler: `rate(N hours)` with a flexible window so the
 * tenants' polls spread out, in the stack's schedule group, invoking the target with a role the
 * stack created for exactly that.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { ScheduleManager } from '../../ports';

export class EventBridgeScheduleManager implements ScheduleManager {
  constructor(
    private readonly client: SchedulerClient,
    private readonly opts: { groupName: string; roleArn: string; targetArn: string },
  ) {}

  async ensure(name: string, rateHours: number, flexibleWindowMinutes: number, input: unknown): Promise<void> {
    const params = {
      Name: name.slice(0, 64),
      GroupName: this.opts.groupName,
      ScheduleExpression: `rate(${rateHours} hours)`,
      FlexibleTimeWindow: { Mode: 'FLEXIBLE' as const, MaximumWindowInMinutes: flexibleWindowMinutes },
      Target: { Arn: this.opts.targetArn, RoleArn: this.opts.roleArn, Input: JSON.stringify(input) },
      State: 'ENABLED' as const,
    };
    try {
      await this.client.send(new CreateScheduleCommand(params));
    } catch (err) {
      if (!(err instanceof ConflictException)) throw err;
      await this.client.send(new UpdateScheduleCommand(params));
    }
  }

  async remove(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: name.slice(0, 64), GroupName: this.opts.groupName }));
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
  }
}
