/**
 * The sandbox simulators (Notion, Brevo, Slack) a local stack serves when its config uses the
 * sandbox's tokens: started, seeded with the demo database or restored from the state, and saved
 * to the state while the stack runs (npm start). The endpoints the functions call are pointed at
 * them unless the person set their own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrevoSimulator } from '../sandbox/brevo';
import { NotionSimulator } from '../sandbox/notion';
import { OAuthPlatformSimulator } from '../sandbox/oauth-platform';
import {
  SANDBOX_OAUTH_PLATFORM,
  SANDBOX_OAUTH_PLATFORM_APP,
  writeSandboxPlatformDefinition,
} from '../sandbox/oauth-platform/sandbox-app';
import {
  SANDBOX_BREVO_KEY,
  SANDBOX_NOTION_OAUTH_CLIENT,
  SANDBOX_NOTION_TOKEN,
  SANDBOX_SLACK_CHANNEL,
  SANDBOX_SLACK_OAUTH_CLIENT,
  SANDBOX_SLACK_TOKEN,
  SLACK_DOCS_SCOPES,
  seedSandbox,
  seedSandboxNewsletter,
} from '../sandbox/sandbox';
import { SHOPIFY_SANDBOX_CLIENT_SECRET, SHOPIFY_SANDBOX_TOKEN, ShopifySimulator } from '../sandbox/shopify';
import { SANDBOX_WORKSPACE, SlackSimulator } from '../sandbox/slack';
import { STRIPE_SANDBOX_KEY, STRIPE_SANDBOX_WEBHOOK_SECRET, StripeSimulator } from '../sandbox/stripe';
import type { TajoConfig } from '../shared/core/config/schema';
import { ENV, platformBaseUrlVariable } from '../shared/core/env';
import {
  readSandboxSnapshot,
  type SandboxSeeded,
  type SandboxSnapshot,
  sandboxSnapshotPath,
  staleSandboxStateLine,
  writeSandboxSnapshot,
} from './sandbox-state';

export interface SandboxServices {
  notion: NotionSimulator;
  brevo: BrevoSimulator;
  slack?: SlackSimulator;
  dataSourceId: string;
  pageIds: string[];
  /** The sandbox's "Docs" page (a tree of nested pages): something to import. */
  docsRootId?: string;
  /** The Newsletters database (publishing demo). */
  newsletter: ReturnType<typeof seedSandboxNewsletter>;
  /** The saved sandbox this start restored (undefined: seeded afresh). */
  restoredFrom?: string;
  /** Where the sandbox is saved (undefined: not saved, see stateWarning). */
  savedTo?: string;
  /** The catalogue's platforms (Shopify, Stripe), seeded: the same seed gives the same shop at each start. */
  platforms?: SandboxPlatforms;
}

export interface SandboxPlatforms {
  shopify: ShopifySimulator;
  stripe: StripeSimulator;
  /** The docs' `my-platform`, installed by OAuth (docs/connectors.md), and its definition file in the state. */
  oauthPlatform: OAuthPlatformSimulator;
  oauthDefinitionFile: string;
  /** Set when the platform could not have its last port back: the definition registered before names the old one. */
  oauthPortMoved?: number;
}

/**
 * The catalogue's simulators, started and seeded, with the functions' `<NAME>_BASE_URL` pointed at
 * them unless the person set their own: a Shopify or Stripe connection made on the sandbox reads
 * them whatever shop_url it names.
 */
async function startSandboxPlatforms(
  env: NodeJS.ProcessEnv,
  stops: (() => Promise<void> | void)[],
  stateDir: string,
  saved: SandboxSnapshot['oauthPlatform'],
): Promise<SandboxPlatforms> {
  writePlatformKeys(stateDir);
  const shopify = new ShopifySimulator({});
  const stripe = new StripeSimulator({});
  // Its redirect URL is added by the stack once the gateway's port is known.
  const oauthPlatform = new OAuthPlatformSimulator({ clients: [{ ...SANDBOX_OAUTH_PLATFORM_APP, redirectUris: [] }] });
  await Promise.all([shopify.start(), stripe.start()]);
  stops.push(
    () => shopify.stop(),
    () => stripe.stop(),
  );
  const oauthPortMoved = await startOnSavedPort(oauthPlatform, saved?.port);
  stops.push(() => oauthPlatform.stop());
  if (saved) oauthPlatform.restore(saved.state);
  env[platformBaseUrlVariable('shopify')] ||= `${shopify.baseUrl}/admin/api/2025-07`;
  env[platformBaseUrlVariable('stripe')] ||= stripe.baseUrl;
  const oauthDefinitionFile = writeSandboxPlatformDefinition(stateDir, oauthPlatform.baseUrl);
  return {
    shopify,
    stripe,
    oauthPlatform,
    oauthDefinitionFile,
    ...(oauthPortMoved !== undefined ? { oauthPortMoved } : {}),
  };
}

/**
 * The OAuth platform listens where it did before this restart: a registered definition names its
 * authorize and token URLs (its refreshes go there), so a new port would strand the installed
 * tokens. When that port is taken, any port, and the old one is returned (the start says what to do).
 */
async function startOnSavedPort(sim: OAuthPlatformSimulator, port: number | undefined): Promise<number | undefined> {
  if (port === undefined) {
    await sim.start();
    return undefined;
  }
  try {
    await sim.start(port);
    return undefined;
  } catch {
    await sim.start();
    return port;
  }
}

/** The file npm start writes the sandbox platforms' keys to (0600): `export $(cat FILE)` sets them for the docs' commands. */
export const SANDBOX_PLATFORM_KEYS_FILE = 'sandbox-platforms.env';

function writePlatformKeys(stateDir: string): string {
  const file = join(stateDir, SANDBOX_PLATFORM_KEYS_FILE);
  const keys = {
    SHOPIFY_API_KEY: SHOPIFY_SANDBOX_TOKEN,
    SHOPIFY_API_SECRET: SHOPIFY_SANDBOX_CLIENT_SECRET,
    STRIPE_API_KEY: STRIPE_SANDBOX_KEY,
    STRIPE_WEBHOOK_SECRET: STRIPE_SANDBOX_WEBHOOK_SECRET,
    // The docs' `connect my-platform --client-id $MY_PLATFORM_CLIENT_ID --client-secret $MY_PLATFORM_CLIENT_SECRET`.
    MY_PLATFORM_CLIENT_ID: SANDBOX_OAUTH_PLATFORM_APP.clientId,
    MY_PLATFORM_CLIENT_SECRET: SANDBOX_OAUTH_PLATFORM_APP.clientSecret,
  };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(
    file,
    `${Object.entries(keys)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
    { mode: 0o600 },
  );
  return file;
}

/**
 * What npm start prints about the sandbox's platforms: where they are, the file with their keys
 * (the keys are not printed: logs are not where secrets go), and the docs' quick start as printed.
 */
export function sandboxPlatformLines(
  platforms: SandboxPlatforms,
  stack: { stateDir: string; url: string; apiKeyFile: string },
): string[] {
  const keys = join(stack.stateDir, SANDBOX_PLATFORM_KEYS_FILE);
  return [
    `  sandbox Shopify ${platforms.shopify.baseUrl} and Stripe ${platforms.stripe.baseUrl}; their keys are in ${keys}. The docs' quick start against this stack:`,
    `    export $(cat ${keys}) TAJO_API_URL=${stack.url} TAJO_API_KEY=$(cat ${stack.apiKeyFile})`,
    '    npx tajo connectors connect shopify --shop-url your-store.myshopify.com --api-key $SHOPIFY_API_KEY',
    '    npx tajo connectors sync shopify --full',
    ...sandboxOAuthPlatformLines(platforms, stack.url),
  ];
}

/** The docs' "Install by OAuth" against this stack: register, connect with the app, open the URL, status, sync. */
function sandboxOAuthPlatformLines(platforms: SandboxPlatforms, url: string): string[] {
  const name = SANDBOX_OAUTH_PLATFORM;
  const moved =
    platforms.oauthPortMoved === undefined
      ? []
      : [
          `  warning: port ${platforms.oauthPortMoved} of the sandbox ${name} was taken, it moved: register ${platforms.oauthDefinitionFile} again, then install it again (npx tajo connectors install ${name})`,
        ];
  return [
    `  sandbox OAuth platform (the docs' ${name}) ${platforms.oauthPlatform.baseUrl}; its app: client id ${SANDBOX_OAUTH_PLATFORM_APP.clientId} (MY_PLATFORM_CLIENT_ID), its secret MY_PLATFORM_CLIENT_SECRET in the same file, its redirect URL ${url}/oauth/${name}/callback. Install by OAuth (docs/connectors.md), after the export above:`,
    ...moved,
    `    npx tajo connectors register ${platforms.oauthDefinitionFile}`,
    `    npx tajo connectors connect ${name} --client-id $MY_PLATFORM_CLIENT_ID --client-secret $MY_PLATFORM_CLIENT_SECRET`,
    '    curl -sL "<the URL it prints>"   # the sandbox consents at once (or open it in a browser)',
    `    npx tajo connectors status ${name}`,
    `    npx tajo connectors sync ${name}`,
  ];
}

/** How often a changed sandbox is saved (it is saved at stop too). */
const SANDBOX_SAVE_MS = 5000;

export async function startSandboxServices(
  o: { stateDir: string; sandboxRows?: number; keepSandbox?: boolean; log: (line: string) => void },
  args: {
    config: TajoConfig;
    /** The functions' endpoints: the sandbox's are filled in where the person set none. */
    env: NodeJS.ProcessEnv;
    /** The stack's stop steps: the simulators' and the saver's are added. */
    stops: (() => Promise<void> | void)[];
    /** Whether the state has synced before (its runs refer to ids of the sandbox that made them). */
    hasRuns: () => Promise<boolean>;
  },
): Promise<{
  sandbox?: SandboxServices;
  sandboxSlack?: SlackSimulator;
  staleLine?: string;
  usesSandboxNotion: boolean;
}> {
  const { config, env, stops, hasRuns } = args;
  let sandbox: SandboxServices | undefined;
  let saved: SandboxSnapshot | undefined;
  let staleLine: string | undefined;
  const usesSandboxNotion = config.connectors.notion?.token === SANDBOX_NOTION_TOKEN;
  const usesSandboxBrevo = config.brevo.api_key === SANDBOX_BREVO_KEY;
  if (usesSandboxNotion || usesSandboxBrevo) {
    const notion = new NotionSimulator({
      tokens: [SANDBOX_NOTION_TOKEN],
      // Its redirect URI is registered by the stack, once the gateway's port is known.
      oauthClients: [{ ...SANDBOX_NOTION_OAUTH_CLIENT, redirectUris: [] }],
    });
    const brevo = new BrevoSimulator({ apiKeys: [SANDBOX_BREVO_KEY] });
    await Promise.all([notion.start(), brevo.start()]);
    stops.push(
      () => notion.stop(),
      () => brevo.stop(),
    );
    // A sandbox saved by an earlier start on this state comes back as it was (same ids, contacts,
    // campaigns); otherwise a new one is seeded.
    saved = o.keepSandbox ? readSandboxSnapshot(o.stateDir) : undefined;
    let seeded: SandboxSeeded;
    if (saved) {
      notion.restore(saved.notion);
      brevo.restore(saved.brevo);
      seeded = saved.seeded;
    } else {
      const customers = seedSandbox(notion, brevo, { rows: o.sandboxRows ?? 250 });
      // The publishing demo: a Published newsletter page becomes a campaign in the Brevo simulator.
      seeded = { ...customers, newsletter: seedSandboxNewsletter(notion, brevo) };
      if (o.keepSandbox && (await hasRuns())) staleLine = staleSandboxStateLine(o.stateDir);
    }
    const newsletter = seeded.newsletter;
    // An endpoint the person set explicitly wins over the sandbox's own simulator (the README's
    // degraded-start example points one at a dead port).
    if (usesSandboxNotion) {
      env[ENV.notionBaseUrl] ||= notion.baseUrl;
      // Notion's consent page is a browser page: the sandbox approves at once and redirects back.
      env[ENV.notionAuthorizeUrl] ||= `${notion.baseUrl}/__sandbox/oauth/authorize`;
    }
    if (usesSandboxBrevo) env[ENV.brevoBaseUrl] ||= brevo.baseUrl;
    const platforms = await startSandboxPlatforms(env, stops, o.stateDir, saved?.oauthPlatform);
    sandbox = {
      notion,
      brevo,
      platforms,
      dataSourceId: seeded.dataSourceId,
      pageIds: seeded.pageIds,
      docsRootId: seeded.docsRootId,
      newsletter,
      restoredFrom: saved ? sandboxSnapshotPath(o.stateDir) : undefined,
    };
  }
  let sandboxSlack: SlackSimulator | undefined;
  if (config.connectors.slack?.bot_token === SANDBOX_SLACK_TOKEN) {
    const slack = new SlackSimulator({
      // The docs' scopes, no more: what the sandbox passes, a workspace set up from the docs passes.
      workspaces: [{ ...SANDBOX_WORKSPACE, scopes: [...SLACK_DOCS_SCOPES] }],
      oauthClients: [{ ...SANDBOX_SLACK_OAUTH_CLIENT, redirectUris: [], tokenRotation: true }],
    });
    await slack.start();
    stops.push(() => slack.stop());
    slack.addChannel({ id: SANDBOX_SLACK_CHANNEL, name: 'marketing' });
    slack.addUser({ id: 'U0AUTHOR', name: 'ada', realName: 'Ada Author', email: 'ada.author@example.com' });
    if (saved?.slack !== undefined) slack.restore(saved.slack);
    // The other channels the docs' Slack page names (its SDK example posts to `sales` by name);
    // after the restore, so a state saved before they existed gets them too.
    for (const name of ['sales', 'support', 'alerts']) {
      try {
        slack.addChannel({ id: `C0${name.toUpperCase()}`, name });
      } catch {
        // Already there (restored).
      }
    }
    env[ENV.slackApiUrl] ||= slack.apiUrl;
    env[ENV.slackAuthorizeUrl] ||= `${slack.baseUrl}/__sandbox/oauth/v2/authorize`;
    sandboxSlack = slack;
    if (sandbox) sandbox.slack = slack;
  }
  // A state left by an unsaved sandbox is not saved over: its runs would be taken for this
  // sandbox's next time, and the warning (how to reset) would be gone while the ids stay wrong.
  if (sandbox && o.keepSandbox && !staleLine) {
    sandbox.savedTo = sandboxSnapshotPath(o.stateDir);
    // Saved every few seconds when it changed, and at stop (this runs after the lanes and the
    // HTTP API stopped, before the simulators do): a restart finds what the last run left.
    const box = sandbox;
    let last = '';
    // The simulators change only through requests (the API calls of the lanes): the requests
    // served so far mark a change, cheaply (encoding 5,000 rows takes ~0.3 s).
    const served = () =>
      [box.notion, box.brevo, box.slack, box.platforms?.oauthPlatform]
        .map((sim) => sim?.log.records.length ?? 0)
        .join(',');
    let lastMark = '';
    const save = () => {
      const body = {
        format: 1 as const,
        seeded: {
          dataSourceId: box.dataSourceId,
          pageIds: box.pageIds,
          docsRootId: box.docsRootId,
          newsletter: box.newsletter,
        },
        notion: box.notion.snapshot(),
        brevo: box.brevo.snapshot(),
        ...(box.slack ? { slack: box.slack.snapshot() } : {}),
        // Its port too: the definitions registered against it name it.
        ...(box.platforms
          ? {
              oauthPlatform: {
                port: Number(new URL(box.platforms.oauthPlatform.baseUrl).port),
                state: box.platforms.oauthPlatform.snapshot(),
              },
            }
          : {}),
      };
      const text = JSON.stringify(body);
      if (text === last) return;
      writeSandboxSnapshot(o.stateDir, { ...body, savedAt: new Date().toISOString() });
      last = text;
    };
    const timer = setInterval(() => {
      try {
        const mark = served();
        if (mark === lastMark) return;
        lastMark = mark;
        save();
      } catch (err) {
        o.log(`could not save the sandbox: ${(err as Error).message}`);
      }
    }, SANDBOX_SAVE_MS);
    timer.unref();
    stops.push(() => {
      clearInterval(timer);
      // The rest of the stop goes on whatever happens here.
      try {
        save();
      } catch (err) {
        o.log(`could not save the sandbox: ${(err as Error).message}`);
      }
    });
    if (!saved) save();
  }
  return { sandbox, sandboxSlack, staleLine, usesSandboxNotion };
}
