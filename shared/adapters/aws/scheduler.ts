/**
 * Per-connection schedules on EventBridge Scheduler, one group per topology schedule: the cadence
 * (`rate(N hours)`, or a daily cron in the connection's time zone) and the flexible window come from
 * the topology (the composition root passes them), so the tenants' runs spread out; the target is
 * invoked with a role the stack created for exactly that.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { ScheduleCadence, ScheduleManager, ScheduleName } from '../../core/ports';

export interface ScheduleGroupSettings {
  groupName: string;
  roleArn: string;
  targetArn: string;
}

/** How a schedule fires: its cadence, and the window Scheduler may spread the tenants' runs over. */
export interface ScheduleTiming {
  cadence: ScheduleCadence;
  flexibleWindowMinutes: number;
}

/** A cadence in EventBridge Scheduler's syntax: `rate(4 hours)`, or a daily `cron(15 0 * * ? *)`. */
export function scheduleExpression(cadence: ScheduleCadence): string {
  if ('everyHours' in cadence) return `rate(${cadence.everyHours} ${cadence.everyHours === 1 ? 'hour' : 'hours'})`;
  return `cron(${cadence.dailyAt.minute} ${cadence.dailyAt.hour} * * ? *)`;
}

/** `S`: the deployment's schedule names (the topology's), so its settings are looked up by them. */
export class EventBridgeScheduleManager<S extends ScheduleName = ScheduleName> implements ScheduleManager {
  constructor(
    private readonly client: SchedulerClient,
    /** Where each topology schedule's runtime schedules live (from the environment the stack sets). */
    private readonly groups: (schedule: S) => ScheduleGroupSettings,
    /** Each topology schedule's timing. */
    private readonly specs: Record<S, ScheduleTiming>,
  ) {}

  async ensure(schedule: S, name: string, input: unknown, options: { timezone?: string } = {}) {
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

  async remove(schedule: S, name: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({ Name: name.slice(0, 64), GroupName: this.groups(schedule).groupName }),
      );
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
  }
}
