/**
 * tajo.connectors: connect, sync (a run you can wait for), status, test, disconnect, list, and a
 * Notion database's query and page creation. Any connector name the API's registry knows works: an
 * unknown one is a TajoError with code not_found.
 */
import { snakeKeys } from './case';
import type { ClientContext } from './context';
import { TajoError } from './errors';
import { seg, sleep } from './http';
import type {
  ConnectionList,
  ConnectionTest,
  ConnectorCredentials,
  ConnectorStatus,
  ConnectResult,
  CreatePageAnswer,
  CreatePageRequest,
  DisconnectReport,
  NotionPage,
  NotionStatus,
  QueryAnswer,
  QueryRequest,
  RunRecord,
  SyncAnswer,
  SyncRequest,
  TestRequest,
} from './types';

export interface WaitOptions {
  /** Give up after this long (default 10 minutes): a TajoError with code `timeout`; the run goes on. */
  timeoutMs?: number;
  /** Sees the run record at each poll (its `progress` moves while it runs). */
  onPoll?: (run: RunRecord) => void;
}

export interface SyncRun extends SyncAnswer {
  /**
   * Polls the run until it finished and resolves with its record, `status` 'succeeded' or 'failed'
   * (a failed run is an answer, not an exception: its `error` says why). Throws only when the API
   * cannot be asked (TajoError) or the timeout passed.
   */
  wait(options?: WaitOptions): Promise<RunRecord>;
}

const FIRST_POLL_MS = 500;
const MAX_POLL_MS = 5_000;
/** How long a run sync() queued may have no record yet (a 404) before wait() says the id is unknown. */
const NOT_STARTED_GRACE_MS = 120_000;

export class Connectors {
  constructor(private readonly ctx: ClientContext) {}

  /**
   * Stores the connection (the API checks the credentials with the provider first). Credentials
   * only (`{ token }`) on a connection the tenant has keep its settings (databases, channels); any
   * setting in `credentials` makes it the whole section.
   */
  async connect(name: string, credentials: ConnectorCredentials): Promise<ConnectResult> {
    await this.ctx.ensureBrevo();
    return this.ctx.request('PUT', await this.path(name), { body: snakeKeys(credentials) });
  }

  /** Queues a sync; `await sync(...).then(run => run.wait())` waits for its end. */
  async sync(name: string, options: SyncRequest = {}): Promise<SyncRun> {
    await this.ctx.ensureBrevo();
    const base = await this.path(name);
    const answer = await this.ctx.request<SyncAnswer>('POST', `${base}/sync`, {
      body: syncBody(options),
      idempotent: false,
    });
    return { ...answer, wait: (o?: WaitOptions) => this.waitForRun(`${base}/runs/${seg(answer.runId)}`, o) };
  }

  /** Waits for a run started earlier (its runId from sync(), a sync.completed event or the status). */
  async wait(name: string, runId: string, options?: WaitOptions): Promise<RunRecord> {
    return this.waitForRun(`${await this.path(name)}/runs/${seg(runId)}`, options);
  }

  /** A run's record as it stands (GET .../runs/{runId}). */
  async run(name: string, runId: string): Promise<RunRecord> {
    return this.ctx.request('GET', `${await this.path(name)}/runs/${seg(runId)}`);
  }

  /** Notion's carries the docs' fields (connected, lastSync, databasesSynced, pagesTracked, usersCount). */
  async status(name: 'notion'): Promise<NotionStatus>;
  async status(name: string): Promise<ConnectorStatus>;
  async status(name: string): Promise<ConnectorStatus> {
    return this.ctx.request('GET', `${await this.path(name)}/status`);
  }

  /** The connector's checks (`tajo connectors test`); `createPage` allows Notion's page-creation check. */
  async test(name: string, options: TestRequest = {}): Promise<ConnectionTest> {
    // Read-only checks may go twice; the page-creation check writes (a row, trashed after).
    const idempotent = !options.createPage;
    return this.ctx.request('POST', `${await this.path(name)}/test`, { body: options, idempotent });
  }

  async disconnect(name: string): Promise<DisconnectReport> {
    return this.ctx.request('DELETE', await this.path(name));
  }

  /** The tenant's Brevo key state, its connections and every connector it could connect. */
  async list(): Promise<ConnectionList> {
    return this.ctx.request('GET', `/tenants/${seg(await this.ctx.tenantId())}/connections`);
  }

  /** One page of a database's rows, as the connection sees them (paced like the connector's other calls). */
  async query(name: string, request: QueryRequest): Promise<QueryAnswer> {
    return this.ctx.request('POST', `${await this.path(name)}/query`, { body: request, idempotent: true });
  }

  /** Every row of the query, page after page: `for await (const page of tajo.connectors.queryAll(...))`. */
  async *queryAll(name: string, request: Omit<QueryRequest, 'startCursor'>): AsyncGenerator<NotionPage> {
    let startCursor: string | undefined;
    do {
      const page = await this.query(name, { ...request, ...(startCursor ? { startCursor } : {}) });
      yield* page.results;
      startCursor = page.hasMore && page.nextCursor ? page.nextCursor : undefined;
    } while (startCursor);
  }

  /** A new row of a database; a read-only connection is refused (code read_only). */
  async create(name: string, request: CreatePageRequest): Promise<CreatePageAnswer> {
    return this.ctx.request('POST', `${await this.path(name)}/pages`, { body: request, idempotent: false });
  }

  private async path(name: string): Promise<string> {
    return `/tenants/${seg(await this.ctx.tenantId())}/connections/${seg(name)}`;
  }

  private async waitForRun(path: string, o: WaitOptions = {}): Promise<RunRecord> {
    const timeoutMs = o.timeoutMs ?? 600_000;
    const started = Date.now();
    const deadline = started + timeoutMs;
    let seen: RunRecord | undefined;
    for (let delay = FIRST_POLL_MS; ; delay = Math.min(MAX_POLL_MS, Math.round(delay * 1.5))) {
      const run = await this.pollRun(path, seen === undefined && Date.now() - started < NOT_STARTED_GRACE_MS);
      if (run) {
        seen = run;
        o.onPoll?.(run);
        if (run.status !== 'running') return run;
      }
      if (Date.now() + delay > deadline) {
        const runId = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
        const state = seen ? 'still running' : 'not started yet (queued)';
        const message = `run ${runId} ${state} after ${Math.round(timeoutMs / 1000)} s: call wait() again with a longer timeoutMs, or read connectors.status()`;
        throw new TajoError({ status: 0, code: 'timeout', message });
      }
      await sleep(delay);
    }
  }

  /**
   * The run's record; undefined for a 404 while `queued` may explain it: a run has a record once a
   * worker takes its message, a moment after sync() answered (longer when the lane is busy).
   */
  private async pollRun(path: string, queued: boolean): Promise<RunRecord | undefined> {
    try {
      return await this.ctx.request<RunRecord>('GET', path);
    } catch (err) {
      if (queued && err instanceof TajoError && err.status === 404) return undefined;
      throw err;
    }
  }
}

/** `type` travels as the API's `full` flag (the same thing; servers older than `type` know only `full`). */
function syncBody({ type, ...rest }: SyncRequest): Omit<SyncRequest, 'type'> {
  if (type === undefined || rest.full !== undefined) return rest;
  return { ...rest, full: type === 'full' };
}
