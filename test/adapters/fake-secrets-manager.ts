/**
 * A fake AWS Secrets Manager speaking the AWS JSON 1.1 protocol as @aws-sdk/client-secrets-manager
 * sends it: `POST /`, `x-amz-target: secretsmanager.<Operation>`, `content-type:
 * application/x-amz-json-1.1`, a JSON body with the members of `<Operation>Request$` in the SDK's
 * schema (dist-cjs/index.js). Errors are status 400 with `x-amzn-errortype` and
 * `{"__type": "...", "message": "..."}`, which the SDK maps to its exception classes.
 *
 * Implemented: CreateSecret, PutSecretValue, GetSecretValue, DeleteSecret and RestoreSecret, with the
 * service's rules that matter to us: names are unique, a secret scheduled for deletion can be neither
 * read, written nor re-created until restored, and the recovery window is 7-30 days. Every request is
 * recorded (target, parsed body, raw body, headers) so tests can assert what the client sent.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LoopbackServer, type RawRequest, type RawResponse, signedScope } from './fake-http';

export const FAKE_ACCOUNT = '000000000000';
export const FAKE_REGION = 'us-east-1';

export interface RecordedSmRequest {
  /** Operation name, e.g. `CreateSecret` (the `x-amz-target` without the `secretsmanager.` prefix). */
  operation: string;
  target: string | undefined;
  body: Record<string, unknown>;
  rawBody: string;
  rawPath: string;
  headers: IncomingHttpHeaders;
  /** SigV4 scope the SDK signed with (`<region>/<service>`), undefined when unsigned. */
  scope: string | undefined;
}

export interface FakeSecret {
  arn: string;
  name: string;
  kmsKeyId: string | undefined;
  tags: { Key: string; Value: string }[];
  versions: { id: string; value: string; created: number }[];
  /** Set while the secret is scheduled for deletion. */
  deletionDate: number | undefined;
}

class SmError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion.";
const NOT_FOUND = "Secrets Manager can't find the specified secret.";
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const ARN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Members each operation's request shape has in the SDK's schema; anything else is a serializer change. */
export const REQUEST_MEMBERS: Record<string, readonly string[]> = {
  CreateSecret: [
    'Name',
    'ClientRequestToken',
    'Description',
    'KmsKeyId',
    'SecretBinary',
    'SecretString',
    'Tags',
    'AddReplicaRegions',
    'ForceOverwriteReplicaSecret',
    'Type',
  ],
  PutSecretValue: ['SecretId', 'ClientRequestToken', 'SecretBinary', 'SecretString', 'VersionStages', 'RotationToken'],
  GetSecretValue: ['SecretId', 'VersionId', 'VersionStage'],
  DeleteSecret: ['SecretId', 'RecoveryWindowInDays', 'ForceDeleteWithoutRecovery'],
  RestoreSecret: ['SecretId'],
};

export class FakeSecretsManager {
  readonly requests: RecordedSmRequest[] = [];
  private readonly secrets = new Map<string, FakeSecret>();
  private readonly injected: { operation: string; error: SmError }[] = [];
  private readonly server = new LoopbackServer((req) => this.handle(req));
  url = '';

  async start(): Promise<string> {
    this.url = await this.server.start();
    return this.url;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** The next call of `operation` fails with this error instead of running. */
  failNext(operation: string, type: string, message: string, status = 400): void {
    this.injected.push({ operation, error: new SmError(type, message, status) });
  }

  /** The secret with this name (including one scheduled for deletion). */
  secret(name: string): FakeSecret | undefined {
    return this.secrets.get(name);
  }

  currentValue(name: string): string | undefined {
    return this.secrets.get(name)?.versions.at(-1)?.value;
  }

  operations(): string[] {
    return this.requests.map((r) => r.operation);
  }

  private handle(req: RawRequest): RawResponse {
    const target = typeof req.headers['x-amz-target'] === 'string' ? req.headers['x-amz-target'] : undefined;
    const operation = target?.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
    let body: Record<string, unknown> = {};
    try {
      body = req.rawBody ? (JSON.parse(req.rawBody) as Record<string, unknown>) : {};
    } catch {
      return this.error(new SmError('SerializationException', 'Request body is not valid JSON'));
    }
    this.requests.push({
      operation,
      target,
      body,
      rawBody: req.rawBody,
      rawPath: req.rawPath,
      headers: req.headers,
      scope: signedScope(req.headers),
    });
    try {
      if (req.method !== 'POST' || req.rawPath !== '/') throw new SmError('UnknownOperationException', 'POST / only');
      if (req.headers['content-type'] !== 'application/x-amz-json-1.1') {
        throw new SmError('SerializationException', `unexpected content-type ${req.headers['content-type']}`);
      }
      if (!signedScope(req.headers)) throw new SmError('MissingAuthenticationTokenException', 'Request is not signed');
      const members = REQUEST_MEMBERS[operation];
      if (!members) throw new SmError('UnknownOperationException', `Unknown operation ${target}`);
      const stray = Object.keys(body).filter((k) => !members.includes(k));
      if (stray.length) throw new SmError('SerializationException', `Unknown member(s) ${stray.join(', ')}`);
      const i = this.injected.findIndex((f) => f.operation === operation);
      if (i >= 0) throw this.injected.splice(i, 1)[0].error;
      return this.ok(this.run(operation, body));
    } catch (err) {
      if (err instanceof SmError) return this.error(err);
      throw err;
    }
  }

  private run(operation: string, body: Record<string, unknown>): Record<string, unknown> {
    switch (operation) {
      case 'CreateSecret':
        return this.createSecret(body);
      case 'PutSecretValue':
        return this.putSecretValue(body);
      case 'GetSecretValue':
        return this.getSecretValue(body);
      case 'DeleteSecret':
        return this.deleteSecret(body);
      case 'RestoreSecret':
        return this.restoreSecret(body);
      default:
        throw new SmError('UnknownOperationException', `Unknown operation ${operation}`);
    }
  }

  private createSecret(body: Record<string, unknown>) {
    const name = body.Name;
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new SmError(
        'InvalidParameterException',
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of: /_+=.@-',
      );
    }
    const existing = this.secrets.get(name);
    if (existing?.deletionDate !== undefined) {
      throw new SmError(
        'InvalidRequestException',
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    }
    if (existing)
      throw new SmError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    const value = this.secretString(body);
    let suffix = '';
    for (let i = 0; i < 6; i++) suffix += ARN_CHARS[Math.floor(Math.random() * ARN_CHARS.length)];
    const secret: FakeSecret = {
      arn: `arn:aws:secretsmanager:${FAKE_REGION}:${FAKE_ACCOUNT}:secret:${name}-${suffix}`,
      name,
      kmsKeyId: typeof body.KmsKeyId === 'string' ? body.KmsKeyId : undefined,
      tags: Array.isArray(body.Tags) ? (body.Tags as { Key: string; Value: string }[]) : [],
      versions: [],
      deletionDate: undefined,
    };
    const versionId = this.versionId(body);
    secret.versions.push({ id: versionId, value, created: Date.now() });
    this.secrets.set(name, secret);
    return { ARN: secret.arn, Name: name, VersionId: versionId };
  }

  private putSecretValue(body: Record<string, unknown>) {
    const secret = this.live(body.SecretId);
    const versionId = this.versionId(body);
    secret.versions.push({ id: versionId, value: this.secretString(body), created: Date.now() });
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: ['AWSCURRENT'] };
  }

  private getSecretValue(body: Record<string, unknown>) {
    const secret = this.live(body.SecretId);
    const version = secret.versions.at(-1);
    if (!version)
      throw new SmError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value.");
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      SecretString: version.value,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: version.created / 1000,
    };
  }

  private deleteSecret(body: Record<string, unknown>) {
    const secret = this.find(body.SecretId);
    const force = body.ForceDeleteWithoutRecovery === true;
    if (force && body.RecoveryWindowInDays !== undefined) {
      throw new SmError(
        'InvalidParameterException',
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    }
    if (force) {
      this.secrets.delete(secret.name);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: Date.now() / 1000 };
    }
    const days = body.RecoveryWindowInDays ?? 30;
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 7 || days > 30) {
      throw new SmError(
        'InvalidParameterException',
        'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
      );
    }
    if (secret.deletionDate !== undefined) throw new SmError('InvalidRequestException', MARKED_FOR_DELETION);
    secret.deletionDate = Date.now() + days * 86_400_000;
    return { ARN: secret.arn, Name: secret.name, DeletionDate: secret.deletionDate / 1000 };
  }

  private restoreSecret(body: Record<string, unknown>) {
    const secret = this.find(body.SecretId);
    secret.deletionDate = undefined;
    return { ARN: secret.arn, Name: secret.name };
  }

  /** By full ARN or by name, as the service resolves `SecretId`. */
  private find(id: unknown): FakeSecret {
    if (typeof id !== 'string' || id === '') throw new SmError('InvalidParameterException', 'SecretId is required.');
    const secret = this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.arn === id);
    if (!secret) throw new SmError('ResourceNotFoundException', NOT_FOUND);
    return secret;
  }

  private live(id: unknown): FakeSecret {
    const secret = this.find(id);
    if (secret.deletionDate !== undefined) throw new SmError('InvalidRequestException', MARKED_FOR_DELETION);
    return secret;
  }

  private secretString(body: Record<string, unknown>): string {
    if (typeof body.SecretString !== 'string') {
      throw new SmError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
    }
    if (body.SecretString.length > 65_536) throw new SmError('InvalidParameterException', 'SecretString is too long.');
    return body.SecretString;
  }

  private versionId(body: Record<string, unknown>): string {
    return typeof body.ClientRequestToken === 'string' ? body.ClientRequestToken : randomUUID();
  }

  private ok(out: Record<string, unknown>): RawResponse {
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
      body: JSON.stringify(out),
    };
  }

  private error(err: SmError): RawResponse {
    return {
      status: err.status,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-errortype': err.type,
        'x-amzn-requestid': randomUUID(),
      },
      body: JSON.stringify({ __type: err.type, message: err.message }),
    };
  }
}
