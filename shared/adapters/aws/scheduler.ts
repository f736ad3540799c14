/**
 * Per-connection schedules on EventBridge Scheduler, one group per topology schedule: the cadence
 * (`rate(N hours)`, or a daily cron in the connection's time zone) and the flexible window come from
 * the topology, so the tenants' runs spread out; the target is invoked with a role the stack created
 * for exactly that.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { type ScheduleName, type ScheduleSpec, scheduleExpression, topology } from '../../app/topology';
import type { ScheduleManager } from '../../core/ports';

export interface ScheduleGroupSettings {
  groupName: string;
  roleArn: string;
  targetArn: string;
}

export class EventBridgeScheduleManager implements ScheduleManager {
  constructor(
    private readonly client: SchedulerClient,
    /** Where each topology schedule's runtime schedules live (from the environment the stack sets). */
    private readonly groups: (schedule: ScheduleName) => ScheduleGroupSettings,
    private readonly specs: Record<ScheduleName, ScheduleSpec> = topology.schedules,
  ) {}

  async ensure(schedule: ScheduleName, name: string, input: unknown, options: { timezone?: string } = {}) {
    const spec = this.specs[schedule];
    const group = this.groups(schedule);
    const params = {
      Name: name.slice(0, 64),
      GroupName: group.groupName,
      ScheduleExpression: scheduleExpression(spec.cadence),
      // Rates ignore the zone; a daily cron fires at the tenant's own local hour.
      ...('dailyAt' in spec.cadence ? { ScheduleExpressionTimezone: options.timezone ?? 'UTC' } : {}),
      FlexibleTimeWindow: { Mode: 'FLEXIBLE' as const, MaximumWindowInMinutes: spec.flexibleWindowMinutes },
      Target: { Arn: group.targetArn, RoleArn: group.roleArn, Input: JSON.stringify(input) },
      State: 'ENABLED' as const,
    };
    try {
      await this.client.send(new CreateScheduleCommand(params));
    } catch (err) {
      if (!(err instanceof ConflictException)) throw err;
      await this.client.send(new UpdateScheduleCommand(params));
    }
  }

  async remove(schedule: ScheduleName, name: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({ Name: name.slice(0, 64), GroupName: this.groups(schedule).groupName }),
      );
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
  }
}
