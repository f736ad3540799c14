/**
 * Connection tokens in AWS Secrets Manager, encrypted under the stack's KMS key, named
 * `<prefix><tenant>/<name>`. Values are cached in memory for a few minutes per warm Lambda.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../../ports';

export class SecretsManagerStore implements SecretStore {
  private readonly cache = new Map<string, { value: string; until: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly opts: { prefix: string; kmsKeyId?: string; cacheMs?: number },
  ) {}

  async put(name: string, value: string, tags: Record<string, string>): Promise<string> {
    const fullName = `${this.opts.prefix}${name}`;
    try {
      const res = await this.client.send(
        new CreateSecretCommand({
          Name: fullName,
          SecretString: value,
          KmsKeyId: this.opts.kmsKeyId,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      this.cache.delete(res.ARN as string);
      return res.ARN as string;
    } catch (err) {
      if (err instanceof InvalidRequestException && /scheduled for deletion/i.test(err.message)) {
        // Disconnected and connected again within the recovery window: bring the secret back.
        await this.client.send(new RestoreSecretCommand({ SecretId: fullName }));
      } else if (!(err instanceof ResourceExistsException)) {
        throw err;
      }
      const res = await this.client.send(new PutSecretValueCommand({ SecretId: fullName, SecretString: value }));
      this.cache.delete(res.ARN as string);
      return res.ARN as string;
    }
  }

  async get(ref: string): Promise<string> {
    const hit = this.cache.get(ref);
    if (hit && hit.until > Date.now()) return hit.value;
    const res = await this.client.send(new GetSecretValueCommand({ SecretId: ref }));
    if (res.SecretString === undefined) throw new Error(`secret ${ref} has no string value`);
    this.cache.set(ref, { value: res.SecretString, until: Date.now() + (this.opts.cacheMs ?? 300_000) });
    return res.SecretString;
  }

  async delete(ref: string): Promise<void> {
    this.cache.delete(ref);
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: ref, RecoveryWindowInDays: 7 }));
    } catch (err) {
      if (err instanceof ResourceNotFoundException) return;
      // Already scheduled for deletion (a disconnect repeated after a partial failure): done.
      if (err instanceof InvalidRequestException && /marked for deletion|scheduled for deletion/i.test(err.message))
        return;
      throw err;
    }
  }
}
