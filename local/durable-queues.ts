/**
 * SQS for the local stack: fauxqs on 127.0.0.1, its queues and messages kept in the state dir so
 * that work queued when `npm start` stops (Ctrl-C, a kill -9) is delivered at the next start, as
 * SQS keeps it in AWS. fauxqs writes every send, receive and delete through to SQLite
 * (`TAJO_STATE_DIR/queues/`); this module adds what a restart of one process needs on top:
 * messages the dead process had in flight come back at once (its workers are gone: waiting out a
 * lane's visibility timeout, up to 90 minutes, would hold the FIFO group), FIFO groups keep their
 * order, and deduplication ids sent in the last 5 minutes stay deduplicated.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The parts of fauxqs's (untyped, internal) store this module touches. */
interface FauxMessage {
  messageId: string;
  body: string;
  messageDeduplicationId?: string;
  sequenceNumber?: string;
}
interface FauxQueue {
  name: string;
  persistence?: unknown;
  inflightMessages: Map<string, { message: FauxMessage }>;
  fifoMessages: Map<string, FauxMessage[]>;
  messages: FauxMessage[];
  delayedMessages: FauxMessage[];
  fifoDelayed: Map<string, FauxMessage[]>;
  isFifo(): boolean;
  changeVisibility(receiptHandle: string, timeoutSeconds: number): void;
  recordDeduplication(dedupId: string, messageId: string, sequenceNumber?: string): void;
}
interface FauxSqsStore {
  persistence?: unknown;
  allQueues(): Iterable<FauxQueue>;
  createQueue(...args: unknown[]): FauxQueue;
}

/** SQS keeps a FIFO deduplication id for 5 minutes (fauxqs's window too). */
const DEDUP_WINDOW_MS = 5 * 60_000;
const DEDUP_FILE = 'dedupe.jsonl';

export interface DurableQueues {
  endpoint: string;
  /** The bodies of the messages found in the lanes at start (ready, delayed, back from a dead process). */
  restored: string[];
  /** Messages found in the dead-letter queues: kept, and run only by `tajo lanes replay`. */
  deadLetters: number;
  close(): Promise<void>;
}

/** fauxqs on loopback, its SQS state kept under `dataDir` (created when missing). */
export async function startDurableQueues(dataDir: string): Promise<DurableQueues> {
  mkdirSync(dataDir, { recursive: true });
  const dist = fauxqsDist();
  const load = (p: string) => import(pathToFileURL(join(dist, p)).href);
  const [{ buildApp }, { SqsStore }, { SnsStore }, { S3Store }, { PersistenceManager }] = await Promise.all([
    load('app.js'),
    load('sqs/sqsStore.js'),
    load('sns/snsStore.js'),
    load('s3/s3Store.js'),
    load('persistence.js'),
  ]);
  const sqsStore = new SqsStore() as FauxSqsStore;
  const snsStore = new SnsStore() as { persistence?: unknown };
  const persistence = new PersistenceManager(dataDir) as {
    db: { prepare(sql: string): { run(...args: unknown[]): unknown } };
    updateMessageReady(messageId: string): void;
    loadSqsAndSns(sqs: unknown, sns: unknown): void;
    close(): void;
  };
  // fauxqs 2.4 writes a message made visible again (ChangeMessageVisibility 0) with a null receive
  // count, which its table refuses (NOT NULL): only its in-flight state is cleared here.
  const ready = persistence.db.prepare(
    'UPDATE sqs_messages SET receipt_handle = NULL, visibility_deadline = NULL WHERE message_id = ?',
  );
  persistence.updateMessageReady = (messageId) => {
    ready.run(messageId);
  };
  // Loaded before persistence is wired in (what fauxqs's own start does: no rewrite during load).
  persistence.loadSqsAndSns(sqsStore, snsStore);
  sqsStore.persistence = persistence;
  snsStore.persistence = persistence;
  const dedupe = dedupeJournal(join(dataDir, DEDUP_FILE));
  const restored: string[] = [];
  let deadLetters = 0;
  for (const queue of sqsStore.allQueues()) {
    queue.persistence = persistence;
    const bodies = reviveQueue(queue);
    if (isDeadLetterQueue(queue.name)) deadLetters += bodies.length;
    else restored.push(...bodies);
    dedupe.restore(queue);
    dedupe.watch(queue);
  }
  // Queues created from now on (a new state) record their deduplication ids too.
  const create = sqsStore.createQueue.bind(sqsStore);
  sqsStore.createQueue = (...args: unknown[]) => {
    const queue = create(...args);
    dedupe.watch(queue);
    return queue;
  };
  dedupe.compact();

  const app = buildApp({ logger: false, stores: { sqsStore, snsStore, s3Store: new S3Store() } });
  // fauxqs's own start helper binds 0.0.0.0: listen on loopback ourselves.
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    restored,
    deadLetters,
    close: async () => {
      await app.close();
      persistence.close();
    },
  };
}

/**
 * A queue as loaded from the state, made ready for this process: what the previous one had in
 * flight is visible again now (its receive count kept, as after a visibility timeout), and each
 * FIFO group is in send order. Returns the bodies of the messages it holds.
 */
/** The lanes' dead-letter queues are named `<table>-<lane>-dlq[.fifo]` (local/stack.ts). */
function isDeadLetterQueue(name: string): boolean {
  return /-dlq(\.fifo)?$/.test(name);
}

function reviveQueue(queue: FauxQueue): string[] {
  // Back to the front of their groups, last received first, so the first received leads again.
  for (const handle of [...queue.inflightMessages.keys()].reverse()) queue.changeVisibility(handle, 0);
  const bySequence = (a: FauxMessage, b: FauxMessage) => (a.sequenceNumber ?? '').localeCompare(b.sequenceNumber ?? '');
  if (queue.isFifo()) {
    for (const group of queue.fifoMessages.values()) group.sort(bySequence);
    for (const group of queue.fifoDelayed.values()) group.sort(bySequence);
  }
  return [queue.messages, queue.delayedMessages, ...queue.fifoMessages.values(), ...queue.fifoDelayed.values()]
    .flat()
    .map((m) => m.body);
}

/**
 * fauxqs keeps deduplication ids in memory only: a message sent again with the same id after a
 * restart (a retried webhook, a step's continuation) would be queued twice. The ids are appended
 * to a small journal as they are recorded, and those younger than SQS's 5-minute window are put
 * back at start (the journal is rewritten with only them).
 */
function dedupeJournal(file: string) {
  interface Entry {
    q: string;
    id: string;
    m: string;
    s?: string;
    at: number;
  }
  const now = Date.now();
  const live: Entry[] = [];
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const e = JSON.parse(line) as Entry;
        if (typeof e.q === 'string' && typeof e.id === 'string' && now - e.at < DEDUP_WINDOW_MS) live.push(e);
      } catch {
        // A line cut by a kill mid-write: that one id is forgotten, the rest hold.
      }
    }
  }
  return {
    restore(queue: FauxQueue) {
      for (const e of live) if (e.q === queue.name) queue.recordDeduplication(e.id, e.m, e.s);
    },
    watch(queue: FauxQueue) {
      const record = queue.recordDeduplication.bind(queue);
      queue.recordDeduplication = (dedupId, messageId, sequenceNumber) => {
        record(dedupId, messageId, sequenceNumber);
        const e: Entry = { q: queue.name, id: dedupId, m: messageId, s: sequenceNumber, at: Date.now() };
        appendFileSync(file, `${JSON.stringify(e)}\n`, { mode: 0o600 });
      };
    },
    compact() {
      writeFileSync(file, live.map((e) => `${JSON.stringify(e)}\n`).join(''), { mode: 0o600 });
    },
  };
}

/** fauxqs's dist directory (its package exports only the app: the stores are loaded by path). */
function fauxqsDist(): string {
  const require = createRequire(__filename);
  for (const dir of require.resolve.paths('fauxqs') ?? []) {
    const dist = join(dir, 'fauxqs', 'dist');
    if (existsSync(join(dist, 'persistence.js'))) return dist;
  }
  throw new Error(`fauxqs is not installed (looked from ${dirname(__filename)}): run npm install`);
}
