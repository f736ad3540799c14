/**
 * The connector registry against the topology and the config: what a descriptor names (its
 * routes, lanes, schedule, config section) exists where the rest of the product declares it, so a
 * descriptor cannot drift from the deployment it describes.
 */

import { BUILT_IN_CONNECTORS, tajoConfigSchema } from '../../shared/app/config';
import { topology } from '../../shared/app/topology';
import {
  connectorOfInboundRoute,
  connectors,
  findConnector,
  hubConnector,
  platformConnectors,
  resolveConnector,
} from '../../shared/connectors';
import { PLATFORM_WEBHOOK_ROUTE_KEY } from '../../shared/connectors/custom/ingress/unit';

const routeKeys = new Set(topology.routes.map((r) => `${r.method} ${r.path}`));

describe('the connector registry', () => {
  test('names each connector once; one hub (Brevo), the others are platforms', () => {
    const names = connectors.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(hubConnector.name).toBe('brevo');
    expect(platformConnectors.map((c) => c.name)).toEqual([...BUILT_IN_CONNECTORS]);
    expect(findConnector('nope')).toBeUndefined();
  });

  test.each(connectors.map((c) => [c.name, c] as const))('%s: its routes are the topology’s', (_n, c) => {
    expect(c.routes.filter((r) => !routeKeys.has(r))).toEqual([]);
    // The topology's routes are built from the descriptors': each is there as declared.
    expect(topology.routes).toEqual(expect.arrayContaining(c.http));
    expect(c.routes).toEqual(c.http.map((r) => `${r.method} ${r.path}`));
    if (c.eventsPath) expect(routeKeys.has(`POST ${c.eventsPath}`)).toBe(true);
  });

  test('every webhook route of the ingress belongs to exactly one connector (its door), and each prefix serves one', () => {
    const ingress = topology.routes.filter((r) => r.function === 'ingress').map((r) => `${r.method} ${r.path}`);
    expect(ingress.length).toBeGreaterThan(0);
    for (const route of ingress) {
      const owners = connectors.filter((c) => c.inboundRoutePrefix && route.startsWith(c.inboundRoutePrefix));
      // The platform route is the definition engine's: its descriptor spreads platformWebhookUnit (and
      // its inboundRoutePrefix); until that descriptor is registered, no connector owns the route.
      if (route === PLATFORM_WEBHOOK_ROUTE_KEY && owners.length === 0) continue;
      expect([route, owners.length]).toEqual([route, 1]);
      expect(connectorOfInboundRoute(route)).toBe(owners[0]);
    }
    for (const c of connectors.filter((x) => x.inboundRoutePrefix)) {
      expect([c.name, ingress.some((r) => r.startsWith(c.inboundRoutePrefix as string))]).toEqual([c.name, true]);
    }
    // Management routes are no connector's inbound events (not logged as events, redacted by keys).
    expect(connectorOfInboundRoute('PUT /tenants/{tenantId}/brevo')).toBeUndefined();
    expect(connectorOfInboundRoute('GET /health')).toBeUndefined();
  });

  // A connector without a recurring job has no schedule (the type makes it optional); one with it is the topology's.
  test.each(platformConnectors.filter((c) => c.schedule !== undefined).map((c) => [c.name, c] as const))(
    '%s: its schedule is a per-connection schedule of the topology',
    (_n, c) => {
      const schedule = c.schedule?.schedule as keyof typeof topology.schedules;
      expect(topology.schedules[schedule]?.perConnection.connector).toBe(c.name);
    },
  );

  test.each(platformConnectors.map((c) => [c.name, c] as const))(
    '%s: its config section is the one under connectors',
    (_n, c) => {
      const sections = tajoConfigSchema.shape.connectors.unwrap().shape as Record<string, { unwrap(): unknown }>;
      expect(c.config?.section).toBe(sections[c.name]?.unwrap());
    },
  );

  test.each(platformConnectors.map((c) => [c.name, c] as const))(
    '%s: connect, test and status are its hooks',
    (_n, c) => {
      expect(typeof c.connection?.connect.check).toBe('function');
      expect(typeof c.connection?.test.run).toBe('function');
      expect(typeof c.connection?.status.read).toBe('function');
      // The CLI's connect verb takes what the connect hook's body asks for.
      const connect = c.cli.commands.find((k) => k.verb === 'connect');
      const made = c.connection?.connect.body({}, undefined);
      expect(made && 'usage' in made ? made.usage : '').toMatch(new RegExp(`^--(${connect?.options.join('|')}) `));
      expect(resolveConnector(c.name)).toBe(c);
    },
  );

  test('the hub is resolved but has no connection operations', () => {
    expect(resolveConnector('brevo')?.connection).toBeUndefined();
    expect(resolveConnector('nope')).toBeUndefined();
  });

  test('every OAuth callback route of the topology is an OAuth connector’s, plus one for definitions', () => {
    const callbacks = topology.routes.filter((r) => /^\/oauth\/[^/]+\/callback$/.test(r.path));
    const oauth = platformConnectors.filter((c) => c.oauth).map((c) => `/oauth/${c.name}/callback`);
    expect(callbacks.map((r) => r.path).sort()).toEqual([...oauth, '/oauth/{connector}/callback'].sort());
    // After the literal ones: the local gateway, like API Gateway, matches those first.
    expect(callbacks.at(-1)?.path).toBe('/oauth/{connector}/callback');
  });
});
