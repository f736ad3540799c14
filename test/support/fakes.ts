import type { LaneMessage, LaneQueue, SecretStore } from '../../shared/core/ports';

/** A secret store in memory; `values` is keyed by the secret's name (refs are `mem:<name>`). */
export class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  async put(name: string, value: string): Promise<string> {
    this.values.set(name, value);
    return `mem:${name}`;
  }
  async get(ref: string): Promise<string> {
    const v = this.values.get(ref.replace(/^mem:/, ''));
    if (v === undefined) throw new Error(`no secret ${ref}`);
    return v;
  }
  async delete(ref: string): Promise<void> {
    this.values.delete(ref.replace(/^mem:/, ''));
  }
}

/** A lane that records what is sent, in order, for a test to run through the worker. */
export class RecordingLane implements LaneQueue {
  readonly sent: LaneMessage[] = [];
  async send(_queue: string, messages: LaneMessage[]): Promise<void> {
    this.sent.push(...messages);
  }
}
