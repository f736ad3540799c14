/**
 * The document library: imported Notion pages and their files (Notion's file URLs expire within the
 * hour, so files are copied here). One bucket for all tenants, keys `<tenant>/notion/<pageId>/...`
 * (the S3DocumentStore puts the tenant first), SSE-KMS with the stack's key and bucket keys, no
 * public access, TLS only, server access logs to a second bucket.
 */
import { type Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { ENV } from '../../shared/core/env';
import { acknowledge, nagResource } from '../nag';
import type { TajoFunction } from './tajo-function';

export interface DocumentLibraryProps {
  key: kms.IKey;
  removalPolicy: RemovalPolicy;
  /** How long server access logs are kept. */
  accessLogRetention: Duration;
}

export class DocumentLibrary extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: DocumentLibraryProps) {
    super(scope, id);
    this.key = props.key;
    // Log delivery through a bucket policy (no ACLs, so the log bucket can enforce bucket-owner
    // ownership), as cdk.json asks; pinned here so the template is the same wherever it is synthesized.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const privateBucket = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy,
    };
    // Server access logs can only be delivered to an SSE-S3 bucket (not SSE-KMS). cdk-nag's S1 sees
    // it is a log destination and does not ask for its own access logs.
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...privateBucket,
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [{ expiration: props.accessLogRetention }],
    });
    // A dev stack's removal fails while documents remain: empty the bucket first (an auto-delete
    // custom resource would add a Lambda with a managed policy to the stack).
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...privateBucket,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'documents/',
    });
  }

  /**
   * Get (and for `readWrite` put and delete) any object, list the bucket, and the bucket's settings
   * in the function's environment. Objects are SSE-KMS with the stack key, which the functions use already.
   */
  grant(fn: TajoFunction, access: 'read' | 'readWrite'): void {
    const objects = this.bucket.arnForObjects('*');
    const objectActions =
      access === 'readWrite' ? ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'] : ['s3:GetObject'];
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: objectActions, resources: [objects] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    fn.addEnvironment(ENV.documentsBucket, this.bucket.bucketName);
    fn.addEnvironment(ENV.documentsKmsKeyId, this.key.keyArn);
    acknowledge(
      fn.role as iam.Role,
      nagResource(Stack.of(this), objects),
      'Documents are keyed <tenant>/notion/<pageId>/..., created at runtime for every tenant this function ' +
        'serves (one function serves all tenants); the wildcard covers only the objects of the one documents bucket.',
    );
  }
}
