/**
 * One schedule of the topology. Per-connection schedules are created at runtime (EventBridge Scheduler
 * CreateSchedule with the topology's cadence, FLEXIBLE window) by the functions that manage schedules; the
 * stack provides what they need:
 * - the schedule group `tajo-<stage>-<key>` the runtime schedules live in,
 * - the role those schedules run as (assumable by scheduler.amazonaws.com for this group only, allowed to
 *   invoke exactly the target function),
 * - a stack-owned sweep schedule (every sweepEveryHours, input `{"sweep": true}`) in the default group with its
 *   own role, a safety net that lets the target find connections whose own schedule is missing. It sits
 *   outside the runtime group so runtime code that manages that group can never delete it.
 */
import { Aws, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { ScheduleSpec } from '../../shared/app/topology';
import { acknowledge, nagResource } from '../nag';

export interface ConnectionScheduleProps {
  /** `tajo-<stage>-<key>`: the schedule group's name. */
  groupName: string;
  spec: ScheduleSpec;
  target: lambda.IFunction;
  removalPolicy: RemovalPolicy;
}

export class ConnectionSchedule extends Construct {
  readonly group: scheduler.ScheduleGroup;
  /** The role runtime-created schedules of this group run as (passed to CreateSchedule). */
  readonly role: iam.Role;
  readonly sweep: scheduler.Schedule;
  readonly sweepRole: iam.Role;
  readonly target: lambda.IFunction;
  /** ARN pattern of the schedules in this group (`schedule/<group>/*`). */
  readonly schedulesArn: string;

  constructor(scope: Construct, id: string, props: ConnectionScheduleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { spec, groupName, target } = props;
    this.target = target;

    this.group = new scheduler.ScheduleGroup(this, 'Group', {
      scheduleGroupName: groupName,
      removalPolicy: props.removalPolicy,
    });
    this.schedulesArn = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${groupName}/*` });

    this.role = this.schedulerRole('Role', this.group.scheduleGroupArn, `Runtime schedules of ${groupName}`);

    const defaultGroupArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule-group',
      resourceName: 'default',
    });
    this.sweepRole = this.schedulerRole('SweepRole', defaultGroupArn, `Sweep schedule of ${groupName}`);
    this.sweep = new scheduler.Schedule(this, 'Sweep', {
      description: `Safety net for ${groupName}: ${spec.description}; finds connections whose schedule is missing`,
      schedule: scheduler.ScheduleExpression.rate(Duration.hours(spec.sweepEveryHours)),
      timeWindow: scheduler.TimeWindow.flexible(Duration.minutes(spec.flexibleWindowMinutes)),
      target: new LambdaInvoke(target, {
        input: scheduler.ScheduleTargetInput.fromObject({ sweep: true }),
        // The role already holds lambda:InvokeFunction on the unqualified function ARN; stop LambdaInvoke
        // from adding its own `<arn>` + `<arn>:*` grant (the `:*` would allow every version and alias).
        role: this.sweepRole.withoutPolicyUpdates(),
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });
  }

  /** What a function needs to create, update, read and delete the schedules of this group. */
  grantManage(fn: lambda.Function): void {
    const grantee = fn.grantPrincipal;
    grantee.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
          'scheduler:GetSchedule',
        ],
        resources: [this.schedulesArn],
      }),
    );
    grantee.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    acknowledge(
      fn.role ?? fn,
      nagResource(this, this.schedulesArn),
      `Per-connection schedules are created at runtime with names not known at deploy time; the wildcard is ` +
        `limited to the schedules of the group ${this.group.scheduleGroupName} (schedule/<group>/*).`,
    );
  }

  private schedulerRole(id: string, sourceGroupArn: string, what: string): iam.Role {
    const role = new iam.Role(this, id, {
      description: `${what}: invoke ${this.target.node.id}`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': sourceGroupArn } },
      }),
    });
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.target.functionArn] }),
    );
    return role;
  }
}
