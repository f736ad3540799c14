/**
 * The ports the core talks to. The core never imports an AWS client or Lambda type: adapters in
 * adapters/aws (DynamoDB, SQS, Secrets Manager, Scheduler) and adapters/local implement these.
 */

export * from './call-budgets';
export * from './clock';
export * from './connections';
export * from './cursors';
export * from './definitions';
export * from './deliveries';
export * from './documents';
export * from './events';
export * from './lanes';
export * from './markers';
export * from './notifications';
export * from './oauth-states';
export * from './orders';
export * from './page-writes';
export * from './publications';
export * from './runs';
export * from './schedules';
export * from './secrets';
export * from './skills';
export * from './tenants';
export * from './webhook-subscriptions';
export * from './workspace-claims';
