/**
 * The simulator's data: databases, data sources, pages, blocks and users, and the control operations
 * the tests use to seed and mutate them (notion.md §1, §3, §5). store.ts adds their response shapes.
 */

import { randomUUID } from 'node:crypto';
import type { SimClock } from '../http-kit';
import { refill } from '../snapshot';
import type { BlockDraft } from './blocks';
import { FileHost } from './files';
import type {
  BlockRec,
  DatabaseInfo,
  DatabaseInput,
  DatabaseRec,
  DataSourceInfo,
  DataSourceInput,
  DataSourceRec,
  PageInfo,
  PageInput,
  PageRec,
  PropDef,
  StandalonePageInput,
  StandaloneParent,
  TimeInput,
  UserInput,
  UserRec,
} from './types';
import { floorToMinute, iso, NotionApiError, requireId, toMs } from './util';
import { buildPropDef, pageTitle, plainText, richTextArray, seedValue } from './values';

export type BlockPosition = { type: 'start' } | { type: 'end' } | { type: 'after_block'; id: string };

export class NotionRecords {
  readonly databases = new Map<string, DatabaseRec>();
  readonly dataSources = new Map<string, DataSourceRec>();
  readonly pages = new Map<string, PageRec>();
  readonly users = new Map<string, UserRec>();
  readonly blocks = new Map<string, BlockRec>();
  /** Ordered child block ids by parent id (a page id or a block id; a child page's block id is its page id). */
  readonly children = new Map<string, string[]>();
  /** Bumped on every page mutation; query result caches compare against it. */
  version = 0;
  readonly bot: UserRec;
  readonly workspaceId = randomUUID();
  readonly fileHost: FileHost;
  /**
   * Whether person emails are rendered. The simulator sets it per request from the caller's user
   * capability; handlers are synchronous, so one request's setting cannot leak into another's.
   */
  emailsVisible = true;

  constructor(
    private readonly clock: SimClock,
    readonly integrationName: string,
    readonly workspaceName: string,
  ) {
    this.bot = { id: randomUUID(), name: integrationName, type: 'bot', email: null, avatarUrl: null, guest: false };
    this.users.set(this.bot.id, this.bot);
    this.fileHost = new FileHost(clock, this.workspaceId);
  }

  now(): number {
    return floorToMinute(this.clock.now());
  }

  /** Everything the store holds, for a snapshot (snapshot.ts keeps the records shared between maps). */
  data(): Record<string, unknown> {
    return {
      databases: this.databases,
      dataSources: this.dataSources,
      pages: this.pages,
      users: this.users,
      blocks: this.blocks,
      children: this.children,
      version: this.version,
      bot: this.bot,
      workspaceId: this.workspaceId,
      files: this.fileHost.files,
    };
  }

  /** Puts back what data() returned (decoded): the same ids, pages, content and workspace. */
  restore(d: Record<string, unknown>): void {
    refill(this.databases, d.databases);
    refill(this.dataSources, d.dataSources);
    refill(this.pages, d.pages);
    refill(this.users, d.users);
    refill(this.blocks, d.blocks);
    refill(this.children, d.children);
    refill(this.fileHost.files, d.files);
    if (typeof d.version !== 'number' || typeof d.workspaceId !== 'string')
      throw new Error('snapshot: no store version');
    // The bot and the workspace are who the integration is: a restored sandbox is the same workspace.
    const self = this as unknown as { version: number; bot: UserRec; workspaceId: string };
    self.version = d.version + 1;
    self.bot = d.bot as UserRec;
    self.workspaceId = d.workspaceId;
    (this.fileHost as unknown as { workspaceId: string }).workspaceId = d.workspaceId;
  }

  private time(input: TimeInput | undefined, fallback: number, what: string): number {
    return input === undefined ? fallback : floorToMinute(toMs(input, what));
  }

  // -------------------------------------------------------------------------------------------
  // Control operations

  addDatabase(input: DatabaseInput): DatabaseInfo {
    const id = input.id ? requireId(input.id, 'database') : randomUUID();
    if (this.databases.has(id)) throw new Error(`NotionSimulator: database ${id} already exists`);
    const now = this.now();
    const db: DatabaseRec = {
      id,
      title: input.title,
      shared: input.shared ?? true,
      createdTime: now,
      lastEditedTime: now,
      dataSources: [],
    };
    this.databases.set(id, db);
    const sources = input.dataSources ?? [{ name: input.title, properties: input.properties ?? {} }];
    if (sources.length === 0) throw new Error('NotionSimulator: a database needs at least one data source');
    for (const s of sources) this.addDataSource(id, s);
    return this.databaseInfo(db);
  }

  addDataSource(databaseId: string, input: DataSourceInput): DataSourceInfo {
    const db = this.mustDatabase(databaseId);
    const id = input.id ? requireId(input.id, 'data source') : randomUUID();
    if (this.dataSources.has(id)) throw new Error(`NotionSimulator: data source ${id} already exists`);
    const now = this.now();
    const ds: DataSourceRec = {
      id,
      databaseId: db.id,
      name: input.name,
      props: new Map(),
      createdTime: now,
      lastEditedTime: now,
      pages: new Map(),
      nextUniqueId: 1,
    };
    const taken = new Set<string>();
    const properties = Object.entries(input.properties ?? {});
    if (!properties.some(([, s]) => s.type === 'title')) properties.unshift(['Name', { type: 'title' }]);
    if (properties.filter(([, s]) => s.type === 'title').length > 1) {
      throw new Error(`NotionSimulator: data source ${input.name} has more than one title property`);
    }
    for (const [name, schema] of properties) ds.props.set(name, buildPropDef(name, schema, ds, taken));
    db.dataSources.push(ds);
    this.dataSources.set(id, ds);
    return this.dataSourceInfo(ds);
  }

  addPage(dataSourceId: string, input: PageInput): PageInfo {
    const ds = this.mustDataSource(dataSourceId);
    const id = input.id ? requireId(input.id, 'page') : randomUUID();
    if (this.pages.has(id)) throw new Error(`NotionSimulator: page ${id} already exists`);
    const createdTime = this.time(input.createdTime, this.now(), 'createdTime');
    const createdBy = input.createdBy ?? this.bot.id;
    const page: PageRec = {
      id,
      dataSourceId: ds.id,
      databaseId: ds.databaseId,
      parent: null,
      shared: null,
      createdTime,
      lastEditedTime: this.time(input.lastEditedTime, createdTime, 'lastEditedTime'),
      createdBy,
      lastEditedBy: input.lastEditedBy ?? createdBy,
      inTrash: input.inTrash ?? false,
      isLocked: false,
      icon: null,
      cover: null,
      values: {},
    };
    this.applySeedValues(ds, page, input.properties ?? {});
    for (const def of ds.props.values()) {
      if (def.type !== 'unique_id') continue;
      const given = page.values[def.name] as { number: number | null } | undefined;
      if (given === undefined) page.values[def.name] = { prefix: def.prefix, number: ds.nextUniqueId++ };
      else if (typeof given.number === 'number') ds.nextUniqueId = Math.max(ds.nextUniqueId, given.number + 1);
    }
    ds.pages.set(id, page);
    this.pages.set(id, page);
    this.version++;
    return this.pageInfo(page);
  }

  updatePage(pageId: string, properties: Record<string, unknown>, opts: { editedBy?: string } = {}): PageInfo {
    const page = this.mustPage(pageId);
    const ds = this.dataSourceOf(page);
    if (ds) this.applySeedValues(ds, page, properties);
    else {
      for (const [key, value] of Object.entries(properties)) {
        if (key !== 'title' || typeof value !== 'string') {
          throw new Error(`NotionSimulator: a standalone page only has a string \`title\`, got ${JSON.stringify(key)}`);
        }
        page.values.title = richTextArray(value);
      }
    }
    page.lastEditedTime = this.now();
    page.lastEditedBy = opts.editedBy ?? this.bot.id;
    this.version++;
    return this.pageInfo(page);
  }

  setTrashed(pageId: string, inTrash: boolean): void {
    const page = this.mustPage(pageId);
    page.inTrash = inTrash;
    // A child page is also a block of its parent: both views agree on in_trash.
    const asBlock = this.blocks.get(page.id);
    if (asBlock) asBlock.inTrash = inTrash;
    this.version++;
  }

  deletePage(pageId: string): void {
    const page = this.mustPage(pageId);
    this.pages.delete(page.id);
    if (page.dataSourceId) this.dataSources.get(page.dataSourceId)?.pages.delete(page.id);
    const asBlock = this.blocks.get(page.id);
    if (asBlock) this.removeBlock(asBlock);
    this.version++;
  }

  private removeBlock(block: BlockRec): void {
    this.blocks.delete(block.id);
    const siblings = this.children.get(block.parent.id);
    if (siblings)
      this.children.set(
        block.parent.id,
        siblings.filter((id) => id !== block.id),
      );
  }

  // -------------------------------------------------------------------------------------------
  // Standalone pages and blocks

  /**
   * A page outside any data source, with its content. Child pages inside the content (child_page
   * drafts) become pages too, each also a child_page block of its parent (same id, as in Notion).
   */
  addStandalonePage(
    input: Omit<StandalonePageInput, 'parentPageId' | 'children' | 'shared'> & {
      parent: StandaloneParent;
      content: BlockDraft[];
      shared: boolean | null;
    },
  ): PageRec {
    const id = input.id ? requireId(input.id, 'page') : randomUUID();
    if (this.pages.has(id) || this.blocks.has(id)) throw new Error(`NotionSimulator: page ${id} already exists`);
    let containerPage: PageRec | undefined;
    if (input.parent.type !== 'workspace') {
      containerPage =
        input.parent.type === 'page_id'
          ? this.mustPage(input.parent.id)
          : this.pages.get(this.mustBlock(input.parent.id).pageId);
    }
    const createdTime = this.time(input.createdTime, this.now(), 'createdTime');
    const createdBy = input.createdBy ?? this.bot.id;
    const page: PageRec = {
      id,
      dataSourceId: null,
      databaseId: null,
      parent: input.parent,
      shared: input.shared,
      createdTime,
      lastEditedTime: this.time(input.lastEditedTime, createdTime, 'lastEditedTime'),
      createdBy,
      lastEditedBy: input.lastEditedBy ?? createdBy,
      inTrash: false,
      isLocked: false,
      icon: input.icon ?? null,
      cover: input.cover ?? null,
      values: { title: richTextArray(input.title) },
    };
    this.pages.set(id, page);
    if (input.parent.type !== 'workspace' && containerPage) {
      this.insertBlock({
        id,
        type: 'child_page',
        data: { title: input.title },
        parent: { type: input.parent.type, id: input.parent.id },
        pageId: containerPage.id,
        createdTime: page.createdTime,
        lastEditedTime: page.createdTime,
        createdBy,
        lastEditedBy: createdBy,
        inTrash: false,
        fileKey: null,
      });
    }
    this.materialise({ type: 'page_id', id }, id, input.content, {
      at: page.createdTime,
      by: createdBy,
      position: { type: 'end' },
    });
    this.version++;
    return page;
  }

  private insertBlock(block: BlockRec, position: BlockPosition = { type: 'end' }): void {
    this.blocks.set(block.id, block);
    const list = this.children.get(block.parent.id) ?? [];
    if (position.type === 'start') list.unshift(block.id);
    else if (position.type === 'after_block') list.splice(list.indexOf(position.id) + 1, 0, block.id);
    else list.push(block.id);
    this.children.set(block.parent.id, list);
  }

  /** Create blocks from drafts under a page or block; returns the first-level blocks. */
  materialise(
    parent: { type: 'page_id' | 'block_id'; id: string },
    pageId: string,
    drafts: BlockDraft[],
    opts: { at: number; by: string; position: BlockPosition },
  ): BlockRec[] {
    const out: BlockRec[] = [];
    let position = opts.position;
    for (const d of drafts) {
      let rec: BlockRec;
      if (d.type === 'child_page') {
        const page = this.addStandalonePage({
          id: d.id,
          title: String(d.data.title ?? ''),
          parent,
          content: d.children,
          shared: null,
          createdTime: opts.at,
          createdBy: opts.by,
        });
        rec = this.mustBlock(page.id);
        if (position.type !== 'end') {
          // addStandalonePage appended it; move it to the requested position.
          this.removeBlock(rec);
          this.insertBlock(rec, position);
        }
      } else {
        const id = d.id ? requireId(d.id, 'block') : randomUUID();
        if (this.blocks.has(id) || this.pages.has(id)) throw new Error(`NotionSimulator: block ${id} already exists`);
        let fileKey: string | null = null;
        if (d.file) {
          fileKey = randomUUID();
          this.fileHost.add({ key: fileKey, ...d.file });
        }
        rec = {
          id,
          type: d.type,
          data: d.data,
          parent,
          pageId,
          createdTime: opts.at,
          lastEditedTime: opts.at,
          createdBy: opts.by,
          lastEditedBy: opts.by,
          inTrash: false,
          fileKey,
        };
        this.insertBlock(rec, position);
        this.materialise({ type: 'block_id', id }, pageId, d.children, { ...opts, position: { type: 'end' } });
      }
      // Later siblings of one request keep their order after the first one.
      if (position.type !== 'end') position = { type: 'after_block', id: rec.id };
      out.push(rec);
    }
    return out;
  }

  mustBlock(id: string): BlockRec {
    const block = this.blocks.get(requireId(id, 'block'));
    if (!block) throw new Error(`NotionSimulator: no block ${id}`);
    return block;
  }

  dataSourceOf(page: PageRec): DataSourceRec | undefined {
    return page.dataSourceId ? this.dataSources.get(page.dataSourceId) : undefined;
  }

  /** Live (not trashed) child ids; a synced copy shows its original's children, as Notion serves them. */
  childIdsOf(id: string): string[] {
    const block = this.blocks.get(id);
    const from = block?.type === 'synced_block' ? (block.data.synced_from as { block_id: string } | null) : null;
    const list = this.children.get(from ? from.block_id : id) ?? [];
    return list.filter((cid) => {
      const b = this.blocks.get(cid);
      return b !== undefined && !b.inTrash;
    });
  }

  /** Sharing: rows follow their database; standalone pages their nearest explicit setting (default shared). */
  pageVisible(page: PageRec): boolean {
    let current: PageRec | undefined = page;
    for (let hops = 0; current && hops < 10_000; hops++) {
      if (current.databaseId) return this.isShared(current.databaseId);
      if (current.shared !== null) return current.shared;
      const parent: StandaloneParent | null = current.parent;
      if (!parent || parent.type === 'workspace') return true;
      current =
        parent.type === 'page_id'
          ? this.pages.get(parent.id)
          : this.pages.get(this.blocks.get(parent.id)?.pageId ?? '');
    }
    return false;
  }

  blockVisible(block: BlockRec): boolean {
    const page = this.pages.get(block.pageId);
    return page !== undefined && this.pageVisible(page);
  }

  /** Title of any page (row or standalone). */
  titleOf(page: PageRec): string {
    const ds = this.dataSourceOf(page);
    return ds ? pageTitle(ds, page) : plainText(page.values.title);
  }

  setShared(databaseId: string, shared: boolean): void {
    this.mustDatabase(databaseId).shared = shared;
    this.version++;
  }

  addUser(input: UserInput): UserRec {
    const id = input.id ? requireId(input.id, 'user') : randomUUID();
    const user: UserRec = {
      id,
      name: input.name,
      type: input.type,
      email: input.type === 'person' ? (input.email ?? null) : null,
      avatarUrl: input.avatarUrl ?? null,
      guest: input.type === 'person' && input.guest === true,
    };
    this.users.set(id, user);
    return { ...user };
  }

  private applySeedValues(ds: DataSourceRec, page: PageRec, properties: Record<string, unknown>): void {
    const converted: Array<[PropDef, unknown]> = [];
    for (const [key, value] of Object.entries(properties)) {
      const def = ds.props.get(key) ?? [...ds.props.values()].find((d) => d.id === key || d.decodedId === key);
      if (!def) throw new Error(`NotionSimulator: data source ${ds.name} has no property ${JSON.stringify(key)}`);
      converted.push([def, seedValue(def, value)]);
    }
    for (const [def, value] of converted) page.values[def.name] = value;
  }

  // -------------------------------------------------------------------------------------------
  // Lookups

  mustDatabase(id: string): DatabaseRec {
    const db = this.databases.get(requireId(id, 'database'));
    if (!db) throw new Error(`NotionSimulator: no database ${id}`);
    return db;
  }

  mustDataSource(id: string): DataSourceRec {
    const ds = this.dataSources.get(requireId(id, 'data source'));
    if (!ds) throw new Error(`NotionSimulator: no data source ${id}`);
    return ds;
  }

  mustPage(id: string): PageRec {
    const page = this.pages.get(requireId(id, 'page'));
    if (!page) throw new Error(`NotionSimulator: no page ${id}`);
    return page;
  }

  isShared(databaseId: string): boolean {
    return this.databases.get(databaseId)?.shared ?? false;
  }

  notFound(kind: 'database' | 'data_source' | 'page' | 'block' | 'user', id: string): NotionApiError {
    return new NotionApiError(
      404,
      'object_not_found',
      `Could not find ${kind} with ID: ${id}. Make sure the relevant pages and databases are shared with your integration "${this.integrationName}".`,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Info snapshots (control API return values)

  databaseInfo(db: DatabaseRec): DatabaseInfo {
    return {
      id: db.id,
      title: db.title,
      shared: db.shared,
      dataSources: db.dataSources.map((d) => this.dataSourceInfo(d)),
    };
  }

  dataSourceInfo(ds: DataSourceRec): DataSourceInfo {
    const properties: DataSourceInfo['properties'] = {};
    for (const def of ds.props.values()) properties[def.name] = { id: def.id, name: def.name, type: def.type };
    return { id: ds.id, databaseId: ds.databaseId, name: ds.name, properties };
  }

  pageInfo(page: PageRec): PageInfo {
    return {
      id: page.id,
      dataSourceId: page.dataSourceId ?? '',
      databaseId: page.databaseId ?? '',
      createdTime: iso(page.createdTime),
      lastEditedTime: iso(page.lastEditedTime),
      inTrash: page.inTrash,
    };
  }
}
