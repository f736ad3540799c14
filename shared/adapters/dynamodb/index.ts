/**
 * The DynamoDB adapter: one table (layout: table-schema.ts, shared access: table.ts), one
 * repository per port. `dynamoRepositories` builds them all over one table and joins them into the
 * one object the composition roots hand out as each port (`tenants: store`, `runs: store`...).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CallBudgetRepository } from './call-budget-repository';
import { ConnectionRepository } from './connection-repository';
import { CursorRepository } from './cursor-repository';
import { DefinitionRepository } from './definition-repository';
import { DeliveryRepository } from './delivery-repository';
import { EventEndpointRepository } from './event-endpoint-repository';
import { ImportedDocumentRepository } from './imported-document-repository';
import { MarkerRepository } from './marker-repository';
import { NotificationDeliveryRepository } from './notification-delivery-repository';
import { OAuthStateRepository } from './oauth-state-repository';
import { OrderRepository } from './order-repository';
import { PageWriteRepository } from './page-write-repository';
import { PendingPostRepository } from './pending-post-repository';
import { PublicationRepository } from './publication-repository';
import { RunRepository } from './run-repository';
import { SkillRepository } from './skill-repository';
import { DynamoTable } from './table';
import { TenantRepository } from './tenant-repository';
import { ThreadRepository } from './thread-repository';
import { WebhookSubscriptionRepository } from './webhook-subscription-repository';
import { WorkspaceClaimRepository } from './workspace-claim-repository';

export { FP_BUCKETS } from './cursor-repository';
export { ensureTable } from './ensure-table';
export { RUN_RETENTION_DAYS } from './table';

/** A repository's methods (its private table handle left out). */
type MethodsOf<T> = { [K in keyof T]: T[K] };

/** Every port of the table, one object: what the composition roots pass as each of them. */
export type DynamoRepositories = MethodsOf<TenantRepository> &
  MethodsOf<ConnectionRepository> &
  MethodsOf<OAuthStateRepository> &
  MethodsOf<WorkspaceClaimRepository> &
  MethodsOf<ThreadRepository> &
  MethodsOf<PendingPostRepository> &
  MethodsOf<NotificationDeliveryRepository> &
  MethodsOf<WebhookSubscriptionRepository> &
  MethodsOf<MarkerRepository> &
  MethodsOf<OrderRepository> &
  MethodsOf<CursorRepository> &
  MethodsOf<RunRepository> &
  MethodsOf<PageWriteRepository> &
  MethodsOf<PublicationRepository> &
  MethodsOf<CallBudgetRepository> &
  MethodsOf<ImportedDocumentRepository> &
  MethodsOf<SkillRepository> &
  MethodsOf<DefinitionRepository> &
  MethodsOf<DeliveryRepository> &
  MethodsOf<EventEndpointRepository>;

export function dynamoRepositories(client: DynamoDBClient, tableName: string): DynamoRepositories {
  const table = new DynamoTable(client, tableName);
  return joinRepositories([
    new TenantRepository(table),
    new ConnectionRepository(table),
    new OAuthStateRepository(table),
    new WorkspaceClaimRepository(table),
    new ThreadRepository(table),
    new PendingPostRepository(table),
    new NotificationDeliveryRepository(table),
    new WebhookSubscriptionRepository(table),
    new MarkerRepository(table),
    new OrderRepository(table),
    new CursorRepository(table),
    new RunRepository(table),
    new PageWriteRepository(table),
    new PublicationRepository(table),
    new CallBudgetRepository(table),
    new ImportedDocumentRepository(table),
    new SkillRepository(table),
    new DefinitionRepository(table),
    new DeliveryRepository(table),
    new EventEndpointRepository(table),
  ]) as DynamoRepositories;
}

/** The public methods of every repository, bound to it, in one object; a name two ports share is a mistake. */
function joinRepositories(repositories: object[]): Record<string, unknown> {
  const joined: Record<string, unknown> = {};
  for (const repository of repositories) {
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(repository)) as (keyof typeof repository)[];
    for (const name of methods) {
      const method = repository[name] as unknown;
      if (name === 'constructor' || typeof method !== 'function' || String(name).startsWith('_')) continue;
      if (name in joined) throw new Error(`two DynamoDB repositories define ${String(name)}`);
      joined[name] = method.bind(repository);
    }
  }
  return joined;
}
