/**
 * cdk-nag (v3) acknowledgements. Every acknowledgement in the stack goes through `acknowledge()`, so
 * each carries a written reason, sits on the narrowest construct that owns the finding, and can be
 * listed (tests, reviews) with `listAcknowledgements()`.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Set this context key to `false` to drop every acknowledgement (tests use it to prove nag is live). */
export const NAG_ACKNOWLEDGEMENTS_CONTEXT = 'tajo:nagAcknowledgements';

export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (scope.node.tryGetContext(NAG_ACKNOWLEDGEMENTS_CONTEXT) === false) return;
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The text cdk-nag prints for an IAM resource (`AwsSolutions-IAM5[Resource::<text>]`): CloudFormation
 * references flattened the way cdk-nag flattens them (`<Logical.Arn>`, `<AWS::Region>`, Fn::Join joined).
 */
export function nagResource(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(arn))}]`;
}

export function nagAction(action: string): string {
  return `AwsSolutions-IAM5[Action::${action}]`;
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (o['Fn::Sub'] !== undefined) return flatten(o['Fn::Sub']);
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (o['Fn::ImportValue'] !== undefined) return flatten(o['Fn::ImportValue']);
    if (o.Ref !== undefined) return `<${flatten(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

export interface RecordedAcknowledgement {
  path: string;
  id: string;
  reason: string;
}

/** Every acknowledgement recorded under `root`, with the construct path it applies to. */
export function listAcknowledgements(root: IConstruct): RecordedAcknowledgement[] {
  const out: RecordedAcknowledgement[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return out;
}
