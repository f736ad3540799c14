/**
 * The simulator's data: databases, data sources, pages and users, the control operations the tests
 * use to seed and mutate them, and the version-dependent response shapes (notion.md §1, §3, §5).
 */
import { randomUUID } from 'node:crypto';
import type { SimClock } from '../http-kit';
import type {
  DatabaseInfo,
  DatabaseInput,
  DatabaseRec,
  DataSourceInfo,
  DataSourceInput,
  DataSourceRec,
  NotionVersion,
  PageInfo,
  PageInput,
  PageRec,
  PropDef,
  TimeInput,
  UserInput,
  UserRec,
} from './types';
import { floorToMinute, iso, NotionApiError, requireId, toMs } from './util';
import {
  buildPropDef,
  emptyValue,
  pageTitle,
  pageUrl,
  renderPropertyConfig,
  renderPropertyValue,
  renderUser,
  richTextArray,
  seedValue,
} from './values';

export class NotionStore {
  readonly databases = new Map<string, DatabaseRec>();
  readonly dataSources = new Map<string, DataSourceRec>();
  readonly pages = new Map<string, PageRec>();
  readonly users = new Map<string, UserRec>();
  /** Bumped on every page mutation; query result caches compare against it. */
  version = 0;
  readonly bot: UserRec;

  constructor(
    private readonly clock: SimClock,
    readonly integrationName: string,
    readonly workspaceName: string,
  ) {
    this.bot = { id: randomUUID(), name: integrationName, type: 'bot', email: null, avatarUrl: null };
    this.users.set(this.bot.id, this.bot);
  }

  now(): number {
    return floorToMinute(this.clock.now());
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
    const ds = this.mustDataSource(page.dataSourceId);
    this.applySeedValues(ds, page, properties);
    page.lastEditedTime = this.now();
    page.lastEditedBy = opts.editedBy ?? this.bot.id;
    this.version++;
    return this.pageInfo(page);
  }

  setTrashed(pageId: string, inTrash: boolean): void {
    this.mustPage(pageId).inTrash = inTrash;
    this.version++;
  }

  deletePage(pageId: string): void {
    const page = this.mustPage(pageId);
    this.pages.delete(page.id);
    this.dataSources.get(page.dataSourceId)?.pages.delete(page.id);
    this.version++;
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

  notFound(kind: 'database' | 'data_source' | 'page' | 'block', id: string): NotionApiError {
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
      dataSourceId: page.dataSourceId,
      databaseId: page.databaseId,
      createdTime: iso(page.createdTime),
      lastEditedTime: iso(page.lastEditedTime),
      inTrash: page.inTrash,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Response shapes

  private partialUser(id: string) {
    return { object: 'user', id };
  }

  renderPage(page: PageRec, version: NotionVersion, only?: (def: PropDef) => boolean): Record<string, unknown> {
    const ds = this.dataSources.get(page.dataSourceId)!;
    const properties: Record<string, unknown> = {};
    for (const def of ds.props.values()) {
      if (only && !only(def)) continue;
      properties[def.name] = renderPropertyValue(def, page, this.users);
    }
    const parent =
      version === '2022-06-28'
        ? { type: 'database_id', database_id: page.databaseId }
        : { type: 'data_source_id', data_source_id: page.dataSourceId, database_id: page.databaseId };
    const out: Record<string, unknown> = {
      object: 'page',
      id: page.id,
      created_time: iso(page.createdTime),
      last_edited_time: iso(page.lastEditedTime),
      created_by: this.partialUser(page.createdBy),
      last_edited_by: this.partialUser(page.lastEditedBy),
      cover: page.cover,
      icon: page.icon,
      parent,
    };
    if (version !== '2026-03-11') out.archived = page.inTrash;
    out.in_trash = page.inTrash;
    out.is_locked = page.isLocked;
    out.properties = properties;
    out.url = pageUrl(pageTitle(ds, page), page.id);
    out.public_url = null;
    return out;
  }

  /** `{<name>: {id, name, type, <type>: config}}` of a data source. */
  renderSchema(ds: DataSourceRec): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const def of ds.props.values()) out[def.name] = renderPropertyConfig(def, ds, this.dataSources);
    return out;
  }

  renderDatabase(db: DatabaseRec, version: NotionVersion): Record<string, unknown> {
    const common = {
      object: 'database',
      id: db.id,
      cover: null,
      icon: null,
      created_time: iso(db.createdTime),
      last_edited_time: iso(db.lastEditedTime),
      title: richTextArray(db.title),
      description: [],
      is_inline: false,
      parent: { type: 'workspace', workspace: true },
      url: pageUrl('', db.id),
      public_url: null,
    };
    if (version === '2022-06-28') {
      return {
        ...common,
        created_by: this.partialUser(this.bot.id),
        last_edited_by: this.partialUser(this.bot.id),
        properties: this.renderSchema(db.dataSources[0]!),
        archived: false,
        in_trash: false,
      };
    }
    const out: Record<string, unknown> = {
      ...common,
      data_sources: db.dataSources.map((d) => ({ id: d.id, name: d.name })),
      is_locked: false,
    };
    if (version === '2025-09-03') out.archived = false;
    out.in_trash = false;
    return out;
  }

  renderDataSource(ds: DataSourceRec, version: NotionVersion): Record<string, unknown> {
    const out: Record<string, unknown> = {
      object: 'data_source',
      id: ds.id,
      cover: null,
      icon: null,
      created_time: iso(ds.createdTime),
      created_by: this.partialUser(this.bot.id),
      last_edited_by: this.partialUser(this.bot.id),
      last_edited_time: iso(ds.lastEditedTime),
      title: richTextArray(ds.name),
      description: [],
      is_inline: false,
      properties: this.renderSchema(ds),
      parent: { type: 'database_id', database_id: ds.databaseId },
      database_parent: { type: 'workspace', workspace: true },
      url: pageUrl('', ds.databaseId),
      public_url: null,
    };
    if (version === '2025-09-03') out.archived = false;
    out.in_trash = false;
    return out;
  }

  renderUser(id: string): Record<string, unknown> {
    if (id === this.bot.id) {
      return {
        object: 'user',
        id: this.bot.id,
        name: this.bot.name,
        avatar_url: null,
        type: 'bot',
        bot: { owner: { type: 'workspace', workspace: true }, workspace_name: this.workspaceName },
      };
    }
    return renderUser(this.users, id);
  }

  /** Stored value with defaults (for the property item endpoint). */
  valueOf(def: PropDef, page: PageRec): unknown {
    return page.values[def.name] ?? emptyValue(def.type);
  }
}
