/** Notion simulator: POST /v1/search over shared pages and data sources. */

import type { Ctx } from '../gateway';
import { bodyInvalid, canonicalHash, decodeCursor, encodeCursor, isRecord } from '../util';
import { plainText } from '../values';
import { BlocksEndpoints } from './blocks';

export abstract class SearchEndpoints extends BlocksEndpoints {
  // ===========================================================================================
  // Search

  protected search({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const body = this.body(req, ['query', 'filter', 'sort', 'start_cursor', 'page_size']);
    const pageSize = this.pageSize(body.page_size, 'body.page_size');
    const cursor = this.cursorOf(body.start_cursor, 'body.start_cursor');
    if (body.query !== undefined && typeof body.query !== 'string')
      throw bodyInvalid('body.query', 'a string', body.query);
    const q = (body.query ?? '').toLowerCase();
    const containerKind = version === '2022-06-28' ? 'database' : 'data_source';
    let objectFilter: string | undefined;
    let inTrash = false;
    if (body.filter !== undefined) {
      const f = body.filter;
      if (!isRecord(f)) throw bodyInvalid('body.filter', 'an object', f);
      if (f.property !== undefined || f.value !== undefined) {
        if (f.property !== 'object') throw bodyInvalid('body.filter.property', '`"object"`', f.property);
        if (f.value !== 'page' && f.value !== containerKind) {
          throw bodyInvalid('body.filter.value', `\`"page"\` or \`"${containerKind}"\``, f.value);
        }
        objectFilter = f.value as string;
      }
      if (f.in_trash !== undefined) {
        if (typeof f.in_trash !== 'boolean') throw bodyInvalid('body.filter.in_trash', 'a boolean', f.in_trash);
        inTrash = f.in_trash;
      }
    }
    let direction = -1;
    if (body.sort !== undefined) {
      const s = body.sort;
      if (!isRecord(s)) throw bodyInvalid('body.sort', 'an object', s);
      if (s.property !== 'relevance') {
        if (s.timestamp !== 'last_edited_time')
          throw bodyInvalid('body.sort.timestamp', '`"last_edited_time"`', s.timestamp);
        if (s.direction !== 'ascending' && s.direction !== 'descending') {
          throw bodyInvalid('body.sort.direction', '`"ascending"` or `"descending"`', s.direction);
        }
        direction = s.direction === 'ascending' ? 1 : -1;
      }
    }

    type Hit = { at: number; id: string; render: () => unknown };
    const hits: Hit[] = [];
    for (const db of this.store.databases.values()) {
      if (!db.shared) continue;
      if (objectFilter !== 'page' && !inTrash) {
        if (version === '2022-06-28') {
          if (db.dataSources.length === 1 && db.title.toLowerCase().includes(q)) {
            hits.push({ at: db.lastEditedTime, id: db.id, render: () => this.store.renderDatabase(db, version) });
          }
        } else {
          for (const ds of db.dataSources) {
            if (ds.name.toLowerCase().includes(q)) {
              hits.push({ at: ds.lastEditedTime, id: ds.id, render: () => this.store.renderDataSource(ds, version) });
            }
          }
        }
      }
      if (objectFilter === containerKind) continue;
      for (const ds of db.dataSources) {
        const titleDef = [...ds.props.values()].find((d) => d.type === 'title');
        for (const page of ds.pages.values()) {
          if (page.inTrash !== inTrash) continue;
          if (
            q &&
            !plainText(titleDef ? page.values[titleDef.name] : [])
              .toLowerCase()
              .includes(q)
          )
            continue;
          hits.push({ at: page.lastEditedTime, id: page.id, render: () => this.store.renderPage(page, version) });
        }
      }
    }
    // Standalone pages (workspace pages and their descendants) that are shared with the integration.
    if (objectFilter !== containerKind) {
      for (const page of this.store.pages.values()) {
        if (page.dataSourceId !== null || page.inTrash !== inTrash || !this.store.pageVisible(page)) continue;
        if (q && !plainText(page.values.title).toLowerCase().includes(q)) continue;
        hits.push({ at: page.lastEditedTime, id: page.id, render: () => this.store.renderPage(page, version) });
      }
    }
    hits.sort((a, b) => (a.at !== b.at ? (a.at - b.at) * direction : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const hash = canonicalHash({ search: true, query: body.query, filter: body.filter, sort: body.sort });
    const offset = cursor ? Number(decodeCursor(cursor, 'search', hash, 'body.start_cursor').o) : 0;
    const slice = hits.slice(offset, offset + pageSize);
    const next =
      offset + slice.length < hits.length ? encodeCursor({ s: 'search', q: hash, o: offset + slice.length }) : null;
    return {
      object: 'list',
      results: slice.map((h) => h.render()),
      next_cursor: next,
      has_more: next !== null,
      ...this.listType(version),
    };
  }
}
