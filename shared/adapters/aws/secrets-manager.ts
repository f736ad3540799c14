/**
 * Connection tokens in AWS Secrets Manager, encrypted under the stack's KMS key, named
 * `<prefix><tenant>/<name>`. Values are cached in memory for a few minutes per warm Lambda; a
 * `fresh` read goes to the service (and refreshes the cache), for values another Lambda may have
 * just replaced (OAuth tokens rolled by a refresh).
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
import type { SecretStore } from '../../core/ports';

export class SecretsManagerStore implements SecretStore {
  private readonly cache = new Map<string, { value: string; until: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly opts: { prefix: string; kmsKeyId?: string; cacheMs?: number },
  ) {}

  /**
   * Replaces the value of the secret, or creates it (with the KMS key and tags) when there is none.
   * The update comes first: it is the common case (a rolled OAuth token, a reconnect), one request,
   * and all that a function allowed only `PutSecretValue` (token refreshers) may do.
   */
  async put(name: string, value: string, tags: Record<string, string>): Promise<string> {
    const fullName = `${this.opts.prefix}${name}`;
    try {
      return await this.putValue(fullName, value);
    } catch (err) {
      if (isScheduledForDeletion(err)) {
        // Disconnected and connected again within the recovery window: bring the secret back.
        await this.client.send(new RestoreSecretCommand({ SecretId: fullName }));
        return this.putValue(fullName, value);
      }
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
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
      // Created by a concurrent put since our update found nothing.
      if (err instanceof ResourceExistsException) return this.putValue(fullName, value);
      throw err;
    }
  }

  private async putValue(secretId: string, value: string): Promise<string> {
    const res = await this.client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
    this.cache.delete(res.ARN as string);
    return res.ARN as string;
  }

  async get(ref: string, options: { fresh?: boolean } = {}): Promise<string> {
    const hit = this.cache.get(ref);
    if (!options.fresh && hit && hit.until > Date.now()) return hit.value;
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

/** The service refuses writes to a secret scheduled for deletion (CreateSecret and PutSecretValue word it differently). */
function isScheduledForDeletion(err: unknown): boolean {
  return err instanceof InvalidRequestException && /(scheduled|marked) for deletion/i.test(err.message);
}
