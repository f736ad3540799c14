/**
 * The skill and definition routes of the management API (skills-api.ts serves them), as the topology
 * lists them: data only, so the topology (and the CDK app reading it) imports nothing of theirs.
 */
const route = (method: 'GET' | 'PUT' | 'DELETE', path: string, description: string) =>
  ({ method, path, function: 'api', auth: 'tenantApiKey', description }) as const;

export const skillRoutes = [
  route('GET', '/tenants/{tenantId}/skills', 'Every skill, enabled or not, its settings and what it needs'),
  route(
    'PUT',
    '/tenants/{tenantId}/skills/{skill}',
    'Enable a skill (customer-sync, abandoned-cart) with its settings (body: {"minutes": 60, "channel": "sales"})',
  ),
  route('DELETE', '/tenants/{tenantId}/skills/{skill}', 'Disable a skill (its settings are kept)'),
  route('GET', '/tenants/{tenantId}/definitions', 'The connector definitions the tenant registered'),
  route('GET', '/tenants/{tenantId}/definitions/{name}', 'One registered connector definition, as stored'),
  route(
    'PUT',
    '/tenants/{tenantId}/definitions/{name}',
    "Register a connector definition (body: the definition as JSON data; refused with each bad key's path)",
  ),
  route('DELETE', '/tenants/{tenantId}/definitions/{name}', 'Remove a registered connector definition'),
];
