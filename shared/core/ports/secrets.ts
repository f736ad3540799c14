/** Tokens live here (Secrets Manager in AWS, an encrypted file locally); records keep only refs. */
export interface SecretStore {
  /** Creates or replaces the secret `name`; returns the reference to keep. */
  put(name: string, value: string, tags: Record<string, string>): Promise<string>;
  /**
   * The secret's value. Stores may cache values for a few minutes; `fresh` reads past any cache
   * (an OAuth refresher must see a token another process rolled a moment ago).
   */
  get(ref: string, options?: { fresh?: boolean }): Promise<string>;
  delete(ref: string): Promise<void>;
}
