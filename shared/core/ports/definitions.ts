/**
 * Connector definitions a tenant registered through the API (PUT /tenants/{t}/definitions/{name}):
 * data only, validated by the engine's schema before they are stored and again when read.
 */
export interface DefinitionRecord {
  tenantId: string;
  /** The definition's `name` (the path's): the config section `connectors.<name>`. */
  name: string;
  version: string;
  /** The definition as the tenant sent it (JSON data, never code). */
  definition: unknown;
  /** sha256 of the stored JSON: a PUT of the same definition changes nothing. */
  hash: string;
  createdAt: string;
  updatedAt: string;
}

export interface DefinitionStore {
  getDefinition(tenantId: string, name: string): Promise<DefinitionRecord | undefined>;
  listDefinitions(tenantId: string): Promise<DefinitionRecord[]>;
  putDefinition(record: DefinitionRecord): Promise<void>;
  /** False when there was none. */
  deleteDefinition(tenantId: string, name: string): Promise<boolean>;
}
