/**
 * The table's key schema, in one place: the DynamoDB adapter queries by these names, infra/ and
 * the local runtime create the table from them. No SDK import here, so infra can read it.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;
