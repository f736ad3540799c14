/**
 * The simulator's store: its records (records.ts) and their version-dependent response shapes
 * (notion.md §1, §3, §5).
 */

import { NotionRecords } from './records';
import type { BlockRec, DatabaseRec, DataSourceRec, NotionVersion, PageRec, PropDef } from './types';
import { iso } from './util';
import { emptyValue, pageUrl, renderPropertyConfig, renderPropertyValue, renderUser, richTextArray } from './values';

export class NotionStore extends NotionRecords {
  // -------------------------------------------------------------------------------------------
  // Response shapes

  private partialUser(id: string) {
    return { object: 'user', id };
  }

  renderPage(page: PageRec, version: NotionVersion, only?: (def: PropDef) => boolean): Record<string, unknown> {
    const ds = this.dataSourceOf(page);
    const properties: Record<string, unknown> = {};
    if (ds) {
      for (const def of ds.props.values()) {
        if (only && !only(def)) continue;
        properties[def.name] = renderPropertyValue(def, page, this.users, this.emailsVisible);
      }
    } else {
      // A standalone page has one property, its title, with the id `title`.
      properties.title = { id: 'title', type: 'title', title: page.values.title ?? [] };
    }
    const parent = this.renderParent(page, version);
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
    out.url = pageUrl(this.titleOf(page), page.id);
    out.public_url = null;
    return out;
  }

  renderParent(page: PageRec, version: NotionVersion): Record<string, unknown> {
    const p = page.parent;
    if (p === null) {
      return version === '2022-06-28'
        ? { type: 'database_id', database_id: page.databaseId }
        : { type: 'data_source_id', data_source_id: page.dataSourceId, database_id: page.databaseId };
    }
    return p.type === 'workspace' ? { type: 'workspace', workspace: true } : { type: p.type, [p.type]: p.id };
  }

  /** A block object; Notion-hosted files get a freshly signed URL on every render. */
  renderBlock(block: BlockRec, version: NotionVersion): Record<string, unknown> {
    let data = block.data;
    if (block.type === 'child_page') {
      const page = this.pages.get(block.id);
      data = { title: page ? this.titleOf(page) : data.title };
    }
    if (block.fileKey) {
      const { caption, name } = data;
      data = { caption, type: 'file', file: this.fileHost.sign(block.fileKey) };
      if (name !== undefined) data.name = name;
    }
    const out = this.blockEnvelope(block, { type: block.parent.type, [block.parent.type]: block.parent.id }, version);
    out.type = block.type;
    out[block.type] = data;
    return out;
  }

  /** The fields every block object starts with, up to in_trash (a block, or a page seen as a child_page block). */
  private blockEnvelope(
    rec: BlockRec | PageRec,
    parent: Record<string, unknown>,
    version: NotionVersion,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {
      object: 'block',
      id: rec.id,
      parent,
      created_time: iso(rec.createdTime),
      last_edited_time: iso(rec.lastEditedTime),
      created_by: this.partialUser(rec.createdBy),
      last_edited_by: this.partialUser(rec.lastEditedBy),
      has_children: this.childIdsOf(rec.id).length > 0,
    };
    if (version !== '2026-03-11') out.archived = rec.inTrash;
    out.in_trash = rec.inTrash;
    return out;
  }

  /** A page read through the blocks endpoints: a workspace page or a data source row seen as a child_page block. */
  renderPageAsBlock(page: PageRec, version: NotionVersion): Record<string, unknown> {
    const out = this.blockEnvelope(page, this.renderParent(page, version), version);
    out.type = 'child_page';
    out.child_page = { title: this.titleOf(page) };
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
    return renderUser(this.users, id, this.emailsVisible);
  }

  /** Stored value with defaults (for the property item endpoint). */
  valueOf(def: PropDef, page: PageRec): unknown {
    return page.values[def.name] ?? emptyValue(def.type);
  }
}
