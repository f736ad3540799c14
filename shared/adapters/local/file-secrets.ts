/**
 * The local secret store: AES-256-GCM encrypted values in one file under TAJO_STATE_DIR, with a
 * random key beside it (mode 0600). It plays the part Secrets Manager plays in AWS: records keep
 * only a reference ("local:<name>").
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TajoError } from '../../core/errors';
import type { SecretStore } from '../../core/ports';

type Sealed = { iv: string; tag: string; data: string };

export class FileSecretStore implements SecretStore {
  /** Operations run one at a time: concurrent puts would race on the key and on the file. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async key(): Promise<Buffer> {
    const file = join(this.dir, 'secrets.key');
    try {
      return Buffer.from(await readFile(file, 'utf8'), 'base64');
    } catch {
      await mkdir(this.dir, { recursive: true });
      const key = randomBytes(32);
      await writeFile(file, key.toString('base64'), { mode: 0o600 });
      await chmod(file, 0o600);
      return key;
    }
  }

  private async load(): Promise<Record<string, Sealed>> {
    try {
      return JSON.parse(await readFile(join(this.dir, 'secrets.json'), 'utf8')) as Record<string, Sealed>;
    } catch {
      return {};
    }
  }

  private async save(all: Record<string, Sealed>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, 'secrets.json'), JSON.stringify(all, null, 2), { mode: 0o600 });
  }

  put(name: string, value: string): Promise<string> {
    return this.serial(() => this.putNow(name, value));
  }

  get(ref: string): Promise<string> {
    return this.serial(() => this.getNow(ref));
  }

  delete(ref: string): Promise<void> {
    return this.serial(() => this.deleteNow(ref));
  }

  private async putNow(name: string, value: string): Promise<string> {
    const key = await this.key();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const all = await this.load();
    all[name] = {
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    await this.save(all);
    return `local:${name}`;
  }

  private async getNow(ref: string): Promise<string> {
    const name = ref.replace(/^local:/, '');
    const sealed = (await this.load())[name];
    if (!sealed) throw new TajoError(`secret ${name} not found in the local secret store`, 'secret_missing');
    const decipher = createDecipheriv('aes-256-gcm', await this.key(), Buffer.from(sealed.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  }

  private async deleteNow(ref: string): Promise<void> {
    const all = await this.load();
    delete all[ref.replace(/^local:/, '')];
    await this.save(all);
  }
}
