/**
 * The document library on S3: one bucket for all tenants, every key `<tenant>/<key>` (the tenant
 * first, as in DynamoDB, so an IAM condition or a lifecycle rule can scope by prefix), and every
 * object encrypted with the deployment's customer-managed KMS key (SSE-KMS; bucket keys on, which
 * cuts the KMS requests per object). Requires @aws-sdk/client-s3 as a direct dependency.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { assertDocumentKey, assertTenantId, type DocumentStore, type StoredObject } from '../../core/ports/documents';

export interface S3DocumentStoreOptions {
  bucket: string;
  /** Id or ARN of the KMS key the objects are encrypted with. */
  kmsKeyId: string;
}

export class S3DocumentStore implements DocumentStore {
  constructor(
    private readonly s3: S3Client,
    private readonly opts: S3DocumentStoreOptions,
  ) {}

  private keyOf(tenantId: string, key: string): string {
    assertTenantId(tenantId);
    assertDocumentKey(key);
    return `${tenantId}/${key}`;
  }

  async put(tenantId: string, key: string, body: Uint8Array | string, contentType: string): Promise<StoredObject> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.opts.bucket,
        Key: this.keyOf(tenantId, key),
        Body: bytes,
        ContentType: contentType,
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: this.opts.kmsKeyId,
        BucketKeyEnabled: true,
      }),
    );
    return { key, contentType, size: bytes.byteLength };
  }

  async get(tenantId: string, key: string): Promise<{ body: Buffer; contentType: string } | undefined> {
    try {
      const res = await this.s3.send(
        new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.keyOf(tenantId, key) }),
      );
      const bytes = res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
      return { body: Buffer.from(bytes), contentType: res.ContentType ?? 'application/octet-stream' };
    } catch (err) {
      if (err instanceof NoSuchKey) return undefined;
      throw err;
    }
  }

  async list(tenantId: string, prefix = ''): Promise<StoredObject[]> {
    assertTenantId(tenantId);
    const tenantPrefix = `${tenantId}/`;
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const res = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.opts.bucket,
          // The trailing slash keeps tenant "acme" from listing "acme-2"'s objects.
          Prefix: `${tenantPrefix}${prefix}`,
          ContinuationToken: token,
        }),
      );
      for (const o of res.Contents ?? []) {
        if (!o.Key) continue;
        // ListObjectsV2 returns no content type; the import's record keeps what it needs.
        out.push({ key: o.Key.slice(tenantPrefix.length), contentType: 'application/octet-stream', size: o.Size ?? 0 });
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async delete(tenantId: string, keys: string[]): Promise<void> {
    // DeleteObjects takes at most 1000 keys per call.
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000).map((k) => ({ Key: this.keyOf(tenantId, k) }));
      await this.s3.send(
        new DeleteObjectsCommand({ Bucket: this.opts.bucket, Delete: { Objects: chunk, Quiet: true } }),
      );
    }
  }

  locate(tenantId: string, key: string): string {
    return `s3://${this.opts.bucket}/${this.keyOf(tenantId, key)}`;
  }
}
