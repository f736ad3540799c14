/**
 * SecretsManagerStore against a fake Secrets Manager speaking AWS JSON 1.1 on 127.0.0.1: what the
 * adapter sends (targets, members, KMS key, tags, recovery window), how it maps the service's errors,
 * and its in-memory cache.
 */
import { randomUUID } from 'node:crypto';
import {
  EncryptionFailure,
  GetSecretValueCommand,
  InvalidRequestException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SecretsManagerStore } from '../../shared/adapters/aws/secrets-manager';
import { FakeSecretsManager, type RecordedSmRequest } from './fake-secrets-manager';

const PREFIX = 'tajo/test/';
const KMS_KEY = 'arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555';
const ARN_RE = (name: string) =>
  new RegExp(`^arn:aws:secretsmanager:us-east-1:000000000000:secret:${name.replace(/[.+]/g, '\\$&')}-[A-Za-z0-9]{6}$`);

let fake: FakeSecretsManager;
let client: SecretsManagerClient;

beforeEach(async () => {
  fake = new FakeSecretsManager();
  const endpoint = await fake.start();
  client = new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});

afterEach(async () => {
  client.destroy();
  await fake.stop();
});

function store(opts: { kmsKeyId?: string; cacheMs?: number } = { kmsKeyId: KMS_KEY }) {
  return new SecretsManagerStore(client, { prefix: PREFIX, ...opts });
}

const token = () => `secret_${randomUUID().replace(/-/g, '')}`;

describe('put', () => {
  test('creates the secret under the prefix, with the KMS key and the tenant tags, over AWS JSON 1.1', async () => {
    const value = token();
    const arn = await store().put('t1/notion-token', value, { tenant: 't1', connector: 'notion' });

    // The update comes first; a secret that does not exist yet is then created.
    expect(fake.operations()).toEqual(['PutSecretValue', 'CreateSecret']);
    expect(fake.requests[0].body).toMatchObject({ SecretId: 'tajo/test/t1/notion-token' });
    const req = fake.requests[1];
    expect(req.target).toBe('secretsmanager.CreateSecret');
    expect(req.rawPath).toBe('/');
    expect(req.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(req.scope).toBe('us-east-1/secretsmanager');
    expect(Object.keys(req.body).sort()).toEqual(['ClientRequestToken', 'KmsKeyId', 'Name', 'SecretString', 'Tags']);
    expect(req.body).toMatchObject({
      Name: 'tajo/test/t1/notion-token',
      SecretString: value,
      KmsKeyId: KMS_KEY,
      Tags: [
        { Key: 'tenant', Value: 't1' },
        { Key: 'connector', Value: 'notion' },
      ],
    });
    // The SDK fills the idempotency token; the service makes it the version id.
    expect(req.body.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);

    expect(arn).toMatch(ARN_RE('tajo/test/t1/notion-token'));
    const stored = fake.secret('tajo/test/t1/notion-token');
    expect(stored?.arn).toBe(arn);
    expect(stored?.kmsKeyId).toBe(KMS_KEY);
    expect(fake.currentValue('tajo/test/t1/notion-token')).toBe(value);
  });

  test('without a KMS key the member is left out (the service then uses aws/secretsmanager)', async () => {
    await store({}).put('t1/notion-token', token(), {});
    expect(fake.requests[1].body).not.toHaveProperty('KmsKeyId');
    expect(fake.secret('tajo/test/t1/notion-token')?.kmsKeyId).toBeUndefined();
  });

  test('a second put of the same name is one PutSecretValue and returns the same ARN', async () => {
    const s = store();
    const first = await s.put('t1/notion-token', token(), { tenant: 't1' });
    const second = token();
    const again = await s.put('t1/notion-token', second, { tenant: 't1' });

    expect(again).toBe(first);
    expect(fake.operations()).toEqual(['PutSecretValue', 'CreateSecret', 'PutSecretValue']);
    const put = fake.requests[2];
    expect(put.target).toBe('secretsmanager.PutSecretValue');
    expect(Object.keys(put.body).sort()).toEqual(['ClientRequestToken', 'SecretId', 'SecretString']);
    expect(put.body).toMatchObject({ SecretId: 'tajo/test/t1/notion-token', SecretString: second });
    expect(fake.currentValue('tajo/test/t1/notion-token')).toBe(second);
    expect(fake.secret('tajo/test/t1/notion-token')?.versions).toHaveLength(2);
  });

  test('any other CreateSecret error propagates and nothing is overwritten', async () => {
    // (Not LimitExceededException: the SDK classifies that as throttling and retries it.)
    fake.failNext('CreateSecret', 'EncryptionFailure', 'The KMS key is disabled.');
    await expect(store().put('t1/notion-token', token(), {})).rejects.toBeInstanceOf(EncryptionFailure);
    expect(fake.operations()).toEqual(['PutSecretValue', 'CreateSecret']);
  });
});

describe('get', () => {
  test('returns the value, asking by the reference put returned', async () => {
    const s = store();
    const value = token();
    const arn = await s.put('t1/notion-token', value, {});
    fake.requests.length = 0;

    await expect(s.get(arn)).resolves.toBe(value);
    expect(fake.operations()).toEqual(['GetSecretValue']);
    expect(fake.requests[0].target).toBe('secretsmanager.GetSecretValue');
    expect(fake.requests[0].body).toEqual({ SecretId: arn });
  });

  test('a second get within the cache window makes no request; after the window it asks again', async () => {
    const s = store();
    const value = token();
    const arn = await s.put('t1/notion-token', value, {});
    const t0 = Date.now();
    const now = jest.spyOn(Date, 'now').mockReturnValue(t0);
    try {
      await s.get(arn);
      now.mockReturnValue(t0 + 299_000); // default window: 5 minutes
      await expect(s.get(arn)).resolves.toBe(value);
      expect(fake.operations()).toEqual(['PutSecretValue', 'CreateSecret', 'GetSecretValue']);

      now.mockReturnValue(t0 + 301_000);
      await expect(s.get(arn)).resolves.toBe(value);
      expect(fake.operations()).toEqual(['PutSecretValue', 'CreateSecret', 'GetSecretValue', 'GetSecretValue']);
    } finally {
      now.mockRestore();
    }
  });

  test('cacheMs sets the window', async () => {
    const s = store({ cacheMs: 1000 });
    const arn = await s.put('t1/notion-token', token(), {});
    const t0 = Date.now();
    const now = jest.spyOn(Date, 'now').mockReturnValue(t0);
    try {
      await s.get(arn);
      now.mockReturnValue(t0 + 1001);
      await s.get(arn);
    } finally {
      now.mockRestore();
    }
    expect(fake.operations().filter((o) => o === 'GetSecretValue')).toHaveLength(2);
  });

  test('get after a put of a new value returns the new value (put drops the cache entry)', async () => {
    const s = store();
    const v1 = token();
    const v2 = token();
    const arn = await s.put('t1/notion-token', v1, {});
    await expect(s.get(arn)).resolves.toBe(v1);
    await s.put('t1/notion-token', v2, {});
    await expect(s.get(arn)).resolves.toBe(v2);
    expect(fake.operations()).toEqual([
      'PutSecretValue',
      'CreateSecret',
      'GetSecretValue',
      'PutSecretValue',
      'GetSecretValue',
    ]);
  });

  test('an unknown reference rejects with the service error and caches nothing', async () => {
    const s = store();
    const arn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:tajo/test/nobody-abcdef';
    await expect(s.get(arn)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(s.get(arn)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(fake.operations()).toEqual(['GetSecretValue', 'GetSecretValue']);
  });
});

describe('delete', () => {
  test('schedules deletion with a recovery window (no force delete); the value is gone, also from the cache', async () => {
    const s = store();
    const arn = await s.put('t1/notion-token', token(), {});
    await s.get(arn); // now cached
    fake.requests.length = 0;

    await s.delete(arn);
    expect(fake.operations()).toEqual(['DeleteSecret']);
    const del = fake.requests[0];
    expect(del.target).toBe('secretsmanager.DeleteSecret');
    expect(del.body).toEqual({ SecretId: arn, RecoveryWindowInDays: 7 });
    expect(del.body).not.toHaveProperty('ForceDeleteWithoutRecovery');
    // Scheduled, not removed: it can still be restored within the window.
    expect(fake.secret('tajo/test/t1/notion-token')?.deletionDate).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    await expect(client.send(new GetSecretValueCommand({ SecretId: arn }))).rejects.toThrow(/marked for deletion/);
    // The cached value must not outlive the delete.
    await expect(s.get(arn)).rejects.toBeInstanceOf(InvalidRequestException);
  });

  test('tolerates a secret that does not exist', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:tajo/test/gone-abcdef';
    await expect(store().delete(arn)).resolves.toBeUndefined();
    expect(fake.operations()).toEqual(['DeleteSecret']);
  });

  test('tolerates a secret already scheduled for deletion (a disconnect repeated after a partial failure)', async () => {
    const s = store();
    const arn = await s.put('t1/notion-token', token(), {});
    await s.delete(arn);
    await expect(s.delete(arn)).resolves.toBeUndefined();
    expect(fake.operations().filter((o) => o === 'DeleteSecret')).toHaveLength(2);
  });

  test('other errors propagate', async () => {
    const s = store();
    const arn = await s.put('t1/notion-token', token(), {});
    fake.failNext('DeleteSecret', 'InvalidParameterException', 'nope');
    await expect(s.delete(arn)).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  // delete() only schedules deletion (7-day window), and the service refuses writes to such a name
  // (PutSecretValue: "marked for deletion"; CreateSecret: "already scheduled for deletion"). A tenant
  // that disconnects and connects again within the window gets its secret restored, then updated.
  test('put of a name deleted within the recovery window restores it and stores the new value', async () => {
    const s = store();
    const arn = await s.put('t1/notion-token', token(), {});
    await s.delete(arn);
    const fresh = token();
    fake.requests.length = 0;
    const again = await s.put('t1/notion-token', fresh, {});
    await expect(s.get(again)).resolves.toBe(fresh);
    expect(fake.operations()).toEqual(['PutSecretValue', 'RestoreSecret', 'PutSecretValue', 'GetSecretValue']);
    // The same secret, back: same ARN, still under the stack's key, tags kept.
    expect(again).toBe(arn);
    expect(fake.secret('tajo/test/t1/notion-token')).toMatchObject({ deletionDate: undefined, kmsKeyId: KMS_KEY });
  });
});

describe('concurrency and freshness', () => {
  test('a create that loses a race to another put updates the secret the other one created', async () => {
    const other = store();
    await other.put('t1/notion-token', token(), { tenant: 't1' });
    // As if this put's update ran just before the other put created the secret.
    fake.failNext('PutSecretValue', 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    fake.requests.length = 0;
    const mine = token();
    const arn = await store().put('t1/notion-token', mine, { tenant: 't1' });
    expect(fake.operations()).toEqual(['PutSecretValue', 'CreateSecret', 'PutSecretValue']);
    expect(arn).toMatch(ARN_RE('tajo/test/t1/notion-token'));
    expect(fake.currentValue('tajo/test/t1/notion-token')).toBe(mine);
  });

  test('a fresh get reads past the cache (a value another Lambda replaced) and refreshes it', async () => {
    const lambdaA = store();
    const lambdaB = store();
    const arn = await lambdaA.put('t1/notion-oauth-grant', 'v1', {});
    await expect(lambdaB.get(arn)).resolves.toBe('v1');
    await lambdaA.put('t1/notion-oauth-grant', 'v2', {});
    // B's cache still holds v1 for its window; a fresh read asks the service.
    await expect(lambdaB.get(arn)).resolves.toBe('v1');
    await expect(lambdaB.get(arn, { fresh: true })).resolves.toBe('v2');
    fake.requests.length = 0;
    await expect(lambdaB.get(arn)).resolves.toBe('v2');
    expect(fake.operations()).toEqual([]);
  });

  test('an update refused for lack of permission is not turned into a create', async () => {
    const s = store();
    await s.put('t1/notion-oauth-grant', 'v1', {});
    fake.failNext(
      'PutSecretValue',
      'AccessDeniedException',
      'not authorized to perform: secretsmanager:PutSecretValue',
    );
    fake.requests.length = 0;
    await expect(s.put('t1/notion-oauth-grant', 'v2', {})).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(fake.operations()).toEqual(['PutSecretValue']);
  });
});

describe('the token on the wire', () => {
  function withoutSecretString(r: RecordedSmRequest): string {
    const { SecretString: _omit, ...rest } = r.body;
    return JSON.stringify({ target: r.target, path: r.rawPath, headers: r.headers, body: rest });
  }

  test('appears only in SecretString members', async () => {
    const s = store();
    const v1 = token();
    const v2 = token();
    const arn = await s.put('t1/notion-token', v1, { tenant: 't1', connector: 'notion' });
    await s.put('t1/notion-token', v2, { tenant: 't1', connector: 'notion' });
    await s.get(arn);
    await s.delete(arn);

    expect(fake.operations()).toEqual([
      'PutSecretValue',
      'CreateSecret',
      'PutSecretValue',
      'GetSecretValue',
      'DeleteSecret',
    ]);
    for (const r of fake.requests) {
      const elsewhere = withoutSecretString(r);
      expect(elsewhere).not.toContain(v1);
      expect(elsewhere).not.toContain(v2);
    }
    expect(fake.requests.map((r) => r.body.SecretString)).toEqual([v1, v1, v2, undefined, undefined]);
    expect(arn).not.toContain(v1);
  });
});
