/** Notion simulator: databases and data sources, and their queries (filters, sorts, cursors, the result cap). */

import type { Row } from '../control';
import type { Ctx } from '../gateway';
import { comparePositions, compileQuery, type SortValue } from '../query';
import type { DataSourceRec } from '../types';
import { bodyInvalid, canonicalHash, decodeCursor, encodeCursor } from '../util';
import { UsersEndpoints } from './users';

const CACHE_ENTRIES = 16;

export abstract class DataSourcesEndpoints extends UsersEndpoints {
  // ===========================================================================================
  // Databases and data sources

  protected getDatabase({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const db = this.visibleDatabase(this.pathId(req, 'database_id'));
    if (version === '2022-06-28' && db.dataSources.length > 1) throw this.multiSourceError(db.id);
    return this.store.renderDatabase(db, version);
  }

  protected getDataSource({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    if (version === '2022-06-28') throw this.invalidUrl();
    return this.store.renderDataSource(this.visibleDataSource(this.pathId(req, 'data_source_id')), version);
  }

  protected queryDatabase(ctx: Ctx) {
    if (ctx.version !== '2022-06-28') throw this.invalidUrl();
    const db = this.visibleDatabase(this.pathId(ctx.req, 'database_id'));
    if (db.dataSources.length > 1) throw this.multiSourceError(db.id);
    return this.runQuery(ctx, db.dataSources[0]!, 'database');
  }

  protected queryDataSource(ctx: Ctx) {
    if (ctx.version === '2022-06-28') throw this.invalidUrl();
    return this.runQuery(ctx, this.visibleDataSource(this.pathId(ctx.req, 'data_source_id')), 'data_source');
  }

  protected runQuery({ req, version, caps }: Ctx, ds: DataSourceRec, kind: string) {
    this.requireCapability(caps, 'readContent');
    const allowed = ['filter', 'sorts', 'start_cursor', 'page_size', 'in_trash', 'archived'];
    if (kind === 'data_source') allowed.push('result_type');
    const body = this.body(req, allowed);
    const pageSize = this.pageSize(body.page_size, 'body.page_size');
    const cursor = this.cursorOf(body.start_cursor, 'body.start_cursor');
    const inTrash = this.inTrashFlag(body, version) ?? false;
    if (body.result_type !== undefined && body.result_type !== 'page' && body.result_type !== 'data_source') {
      throw bodyInvalid('body.result_type', '`"page"` or `"data_source"`', body.result_type);
    }
    const compiled = compileQuery(ds, body.filter, body.sorts, this.clock.now());
    const hash = canonicalHash({
      kind,
      ds: ds.id,
      filter: body.filter,
      sorts: body.sorts,
      inTrash,
      rt: body.result_type,
    });

    let rows: Row[];
    const cached = this.queryCache.get(hash);
    if (!compiled.usesNow && cached && cached.version === this.store.version) {
      rows = cached.rows;
    } else {
      rows = [];
      if (body.result_type !== 'data_source') {
        for (const page of ds.pages.values()) {
          if (page.inTrash === inTrash && compiled.predicate(page)) {
            rows.push({ page, key: compiled.keys.map((k) => k(page)) });
          }
        }
      }
      const dirs = compiled.directions;
      rows.sort((a, b) => comparePositions(a.key, a.page.id, b.key, b.page.id, dirs));
      if (!compiled.usesNow) {
        this.queryCache.delete(hash);
        this.queryCache.set(hash, { version: this.store.version, rows });
        if (this.queryCache.size > CACHE_ENTRIES) this.queryCache.delete(this.queryCache.keys().next().value!);
      }
    }

    // Resume after the position the cursor recorded (sort key + id), so edits between pages cannot break it.
    let returned = 0;
    let start = 0;
    if (cursor) {
      const c = decodeCursor(cursor, 'query', hash, 'body.start_cursor');
      returned = Number(c.n);
      const key = c.k as SortValue[];
      const id = String(c.i);
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (comparePositions(rows[mid]!.key, rows[mid]!.page.id, key, id, compiled.directions) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const take = Math.max(0, Math.min(pageSize, this.queryCap - returned));
    const slice = rows.slice(start, start + take);
    const more = start + slice.length < rows.length;
    const capped = more && returned + slice.length >= this.queryCap;
    const last = slice[slice.length - 1];
    const next =
      more && !capped && last
        ? encodeCursor({ s: 'query', q: hash, n: returned + slice.length, k: last.key, i: last.page.id })
        : null;
    const only = this.propertyFilter(req);
    const out: Record<string, unknown> = {
      object: 'list',
      results: slice.map((r) => this.store.renderPage(r.page, version, only)),
      next_cursor: next,
      has_more: next !== null,
      ...this.listType(version),
    };
    if (capped) out.request_status = { type: 'incomplete', incomplete_reason: 'query_result_limit_reached' };
    return out;
  }
}
