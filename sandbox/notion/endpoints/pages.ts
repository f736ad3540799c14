/** Notion simulator: pages (get, create, update properties, trash) and page property items. */

import { type BlockDraft, draftBlocks } from '../blocks';
import type { Ctx } from '../gateway';
import { markdownToBlocks } from '../markdown';
import { findProperty } from '../query';
import type { DataSourceRec, PageRec, PropDef } from '../types';
import { bodyInvalid, isRecord, NotionApiError, normaliseId, validationError } from '../util';
import { requestRichText, requestValue } from '../values';
import { DataSourcesEndpoints } from './data-sources';

export abstract class PagesEndpoints extends DataSourcesEndpoints {
  // ===========================================================================================
  // Pages

  protected getPageRoute({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const page = this.visiblePage(this.pathId(req, 'page_id'));
    return this.store.renderPage(page, version, this.propertyFilter(req));
  }

  /** Property values of a create/update body, checked against the page's schema (standalone pages: title only). */
  protected propertyUpdates(ds: DataSourceRec | undefined, properties: unknown): Array<[PropDef | 'title', unknown]> {
    if (!isRecord(properties)) throw bodyInvalid('body.properties', 'an object', properties);
    const updates: Array<[PropDef | 'title', unknown]> = [];
    for (const [key, value] of Object.entries(properties)) {
      if (!ds) {
        if (key !== 'title') {
          throw validationError(
            `${key} is not a property that exists. A page outside a data source only has \`title\`.`,
          );
        }
        const title = isRecord(value) && 'title' in value ? value.title : value;
        updates.push(['title', requestRichText(title, 'body.properties.title.title')]);
        continue;
      }
      const def = findProperty(ds, key);
      if (!def) throw validationError(`${key} is not a property that exists.`);
      updates.push([def, requestValue(def, value, `body.properties.${key}`)]);
    }
    return updates;
  }

  protected patchPage({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'updateContent');
    const page = this.visiblePage(this.pathId(req, 'page_id'));
    const body = this.body(req, ['properties', 'in_trash', 'archived', 'icon', 'cover', 'is_locked']);
    const inTrash = this.inTrashFlag(body, version);
    if (body.is_locked !== undefined && typeof body.is_locked !== 'boolean') {
      throw bodyInvalid('body.is_locked', 'a boolean', body.is_locked);
    }
    const ds = this.store.dataSourceOf(page);
    const updates = body.properties === undefined ? [] : this.propertyUpdates(ds, body.properties);
    if (body.icon !== undefined) this.checkIcon(body.icon, 'body.icon');
    const editsContent = updates.length > 0 || body.icon !== undefined || body.cover !== undefined;
    if (editsContent && page.inTrash && inTrash !== false) {
      throw validationError("Can't edit block that is archived. You must unarchive the block before editing.");
    }
    if (page.isLocked && updates.length > 0 && body.is_locked !== false) {
      throw validationError('Page is locked. Unlock the page before editing its properties.');
    }
    for (const [def, value] of updates) page.values[def === 'title' ? 'title' : def.name] = value;
    if (body.icon !== undefined) page.icon = body.icon;
    if (body.cover !== undefined) page.cover = body.cover;
    if (body.is_locked !== undefined) page.isLocked = body.is_locked as boolean;
    const wasTrashed = page.inTrash;
    if (inTrash !== undefined) this.store.setTrashed(page.id, inTrash);
    if (editsContent) {
      page.lastEditedTime = this.store.now();
      page.lastEditedBy = this.store.bot.id;
    }
    this.store.version++;
    if (updates.length > 0) {
      this.emitPageEvent('page.properties_updated', page, {
        updated_properties: updates.map(([def]) => (def === 'title' ? 'title' : def.id)),
      });
    }
    if (body.icon !== undefined || body.cover !== undefined) {
      this.emitPageEvent('page.content_updated', page, { updated_blocks: [] });
    }
    if (inTrash !== undefined && inTrash !== wasTrashed) {
      this.emitPageEvent(inTrash ? 'page.deleted' : 'page.undeleted', page, {});
    }
    return this.store.renderPage(page, version);
  }

  protected checkIcon(icon: unknown, path: string): void {
    if (icon === null) return;
    if (!isRecord(icon)) throw bodyInvalid(path, 'an object or `null`', icon);
    if (icon.type === 'emoji' || (icon.type === undefined && 'emoji' in icon)) {
      if (typeof icon.emoji !== 'string' || icon.emoji === '')
        throw bodyInvalid(`${path}.emoji`, 'an emoji', icon.emoji);
      return;
    }
    if (icon.type === 'external' || (icon.type === undefined && 'external' in icon)) {
      const ext = icon.external;
      if (!isRecord(ext) || typeof ext.url !== 'string') {
        throw bodyInvalid(`${path}.external.url`, 'a string', isRecord(ext) ? ext.url : undefined);
      }
      return;
    }
    throw bodyInvalid(`${path}.type`, '`"emoji"` or `"external"`', icon.type);
  }

  protected createPage({ req, version, caps }: Ctx) {
    this.requireCapability(caps, 'insertContent');
    const body = this.body(req, [
      'parent',
      'properties',
      'children',
      'markdown',
      'icon',
      'cover',
      'template',
      'position',
    ]);
    const parent = body.parent;
    if (!isRecord(parent)) throw bodyInvalid('body.parent', 'an object', parent);
    if (body.children !== undefined && body.markdown !== undefined) {
      throw validationError('body.children and body.markdown are mutually exclusive; send one of them.');
    }
    if (body.icon !== undefined) this.checkIcon(body.icon, 'body.icon');

    // Where the page goes: a data source (a row) or a page (a standalone child page).
    let ds: DataSourceRec | undefined;
    let parentPage: PageRec | undefined;
    if (typeof parent.data_source_id === 'string') {
      if (version === '2022-06-28')
        throw bodyInvalid('body.parent.data_source_id', 'not present (use `database_id`)', parent.data_source_id);
      ds = this.visibleDataSource(
        normaliseId(parent.data_source_id) ?? this.badId('body.parent.data_source_id', parent.data_source_id),
      );
    } else if (typeof parent.database_id === 'string') {
      const db = this.visibleDatabase(
        normaliseId(parent.database_id) ?? this.badId('body.parent.database_id', parent.database_id),
      );
      if (db.dataSources.length > 1) throw this.multiSourceError(db.id);
      ds = db.dataSources[0]!;
    } else if (typeof parent.page_id === 'string') {
      parentPage = this.visiblePage(normaliseId(parent.page_id) ?? this.badId('body.parent.page_id', parent.page_id));
      if (parentPage.inTrash) {
        throw validationError("Can't edit block that is archived. You must unarchive the block before editing.");
      }
    } else {
      throw bodyInvalid('body.parent', 'an object with `page_id`, `database_id` or `data_source_id`', parent);
    }

    const updates = body.properties === undefined ? [] : this.propertyUpdates(ds, body.properties);
    let drafts: BlockDraft[] = [];
    let titleFromMarkdown: string | undefined;
    if (body.children !== undefined) drafts = draftBlocks(body.children, 'body.children', 'request');
    if (body.markdown !== undefined) {
      if (typeof body.markdown !== 'string') throw bodyInvalid('body.markdown', 'a string', body.markdown);
      const md = markdownToBlocks(body.markdown);
      drafts = draftBlocks(md.blocks, 'body.markdown', 'seed');
      titleFromMarkdown = md.firstH1;
    }
    const hasTitle = updates.some(([def]) => def === 'title' || def.type === 'title');

    const by = this.store.bot.id;
    let page: PageRec;
    if (ds) {
      const info = this.store.addPage(ds.id, { createdBy: by });
      page = this.store.mustPage(info.id);
      for (const [def, value] of updates) page.values[def === 'title' ? 'title' : def.name] = value;
      const titleDef = [...ds.props.values()].find((d) => d.type === 'title');
      if (!hasTitle && titleFromMarkdown !== undefined && titleDef) {
        page.values[titleDef.name] = requestRichText([{ text: { content: titleFromMarkdown } }], 'body.markdown');
      }
      this.store.materialise({ type: 'page_id', id: page.id }, page.id, drafts, {
        at: page.createdTime,
        by,
        position: { type: 'end' },
      });
    } else {
      const titleUpdate = updates.find(([def]) => def === 'title');
      page = this.store.addStandalonePage({
        title: '',
        parent: { type: 'page_id', id: parentPage!.id },
        content: drafts,
        shared: null,
      });
      page.values.title = titleUpdate
        ? (titleUpdate[1] as unknown[])
        : requestRichText(
            titleFromMarkdown === undefined ? [] : [{ text: { content: titleFromMarkdown } }],
            'body.markdown',
          );
      this.touchPage(parentPage!, by);
    }
    if (body.icon !== undefined) page.icon = body.icon;
    if (body.cover !== undefined) page.cover = body.cover;
    this.store.version++;
    this.emitPageEvent('page.created', page, {});
    return this.store.renderPage(page, version);
  }

  protected badId(path: string, value: unknown): never {
    throw bodyInvalid(path, 'a valid uuid', value);
  }

  protected getPageProperty({ req, caps }: Ctx) {
    this.requireCapability(caps, 'readContent');
    const page = this.visiblePage(this.pathId(req, 'page_id'));
    const ds = this.store.dataSourceOf(page);
    const propertyId = req.params.property_id ?? '';
    if (!ds) {
      // A standalone page's only property is its title.
      if (propertyId !== 'title') {
        throw new NotionApiError(
          404,
          'object_not_found',
          `Could not find property with ID: ${propertyId} on page ${page.id}.`,
        );
      }
      const items = ((page.values.title as unknown[]) ?? []).map((rt) => ({
        object: 'property_item',
        id: 'title',
        type: 'title',
        title: rt,
      }));
      return {
        object: 'list',
        results: items,
        next_cursor: null,
        has_more: false,
        type: 'property_item',
        property_item: { id: 'title', type: 'title', next_url: null, title: {} },
      };
    }
    const def = [...ds.props.values()].find((d) => d.decodedId === propertyId);
    if (!def) {
      throw new NotionApiError(
        404,
        'object_not_found',
        `Could not find property with ID: ${propertyId} on page ${page.id}.`,
      );
    }
    const item = (type: string, value: unknown) => ({ object: 'property_item', id: def.id, type, [type]: value });
    const value = this.store.valueOf(def, page);
    let list: unknown[];
    let summary: unknown = {};
    switch (def.type) {
      case 'title':
      case 'rich_text':
        list = (value as unknown[]).map((rt) => item(def.type, rt));
        break;
      case 'relation':
        list = (value as string[]).map((id) => item('relation', { id }));
        break;
      case 'people':
        list = (value as string[]).map((id) => item('people', this.store.renderUser(id)));
        break;
      case 'rollup': {
        const r = value as Record<string, unknown>;
        list =
          r.type === 'array' && Array.isArray(r.array)
            ? r.array.map((el) => ({ object: 'property_item', id: def.id, ...el }))
            : [];
        summary = r.type === 'array' ? { type: 'array', array: [], function: r.function } : r;
        break;
      }
      default: {
        const rendered = this.store.renderPage(page, '2025-09-03', (d) => d === def).properties as Record<
          string,
          Record<string, unknown>
        >;
        return item(def.type, rendered[def.name]![def.type]);
      }
    }
    const { slice, next } = this.offsetPage(req, list, 'prop', { page: page.id, prop: def.id });
    return {
      object: 'list',
      results: slice,
      next_cursor: next,
      has_more: next !== null,
      type: 'property_item',
      property_item: {
        id: def.id,
        type: def.type,
        next_url: next ? `${this.baseUrl}/v1/pages/${page.id}/properties/${def.id}?start_cursor=${next}` : null,
        [def.type]: summary,
      },
    };
  }
}
