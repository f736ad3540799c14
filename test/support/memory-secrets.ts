import type { SecretStore } from '../../shared/core/ports';

/** A secret store in memory: a secret's reference is its name. */
export class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  async put(name: string, value: string): Promise<string> {
    this.values.set(name, value);
    return name;
  }
  async get(ref: string): Promise<string> {
    const v = this.values.get(ref);
    if (v === undefined) throw new Error(`no secret ${ref}`);
    return v;
  }
  async delete(ref: string): Promise<void> {
    this.values.delete(ref);
  }
}
