/**
 * The document library on local disk: `<root>/<tenant>/<key>`, files 0600 and folders 0700 (imported
 * pages can be private), with the content type in a `<file>.meta.json` sidecar so get() returns what
 * the download said. The CLI and `npm start` use `TAJO_STATE_DIR/documents` as the root.
 */
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { z } from 'zod';
import { assertDocumentKey, assertTenantId, type DocumentStore, type StoredObject } from '../../core/ports/documents';

const SIDECAR = '.meta.json';
const sidecarSchema = z.object({ contentType: z.string() });

export class LocalDocumentStore implements DocumentStore {
  constructor(private readonly root: string) {}

  private pathOf(tenantId: string, key: string): string {
    assertTenantId(tenantId);
    assertDocumentKey(key);
    // A data file never ends in the sidecar suffix, so the two can never be confused.
    if (key.endsWith(SIDECAR)) throw new Error(`invalid document key ${JSON.stringify(key)}`);
    return join(this.root, tenantId, ...key.split('/'));
  }

  async put(tenantId: string, key: string, body: Uint8Array | string, contentType: string): Promise<StoredObject> {
    const path = this.pathOf(tenantId, key);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    await writeFile(path, bytes, { mode: 0o600 });
    // writeFile's mode only applies when it creates the file: an overwritten file keeps its old mode.
    await chmod(path, 0o600);
    await writeFile(`${path}${SIDECAR}`, JSON.stringify({ contentType }), { mode: 0o600 });
    return { key, contentType, size: bytes.byteLength };
  }

  async get(tenantId: string, key: string): Promise<{ body: Buffer; contentType: string } | undefined> {
    const path = this.pathOf(tenantId, key);
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return { body, contentType: await this.contentTypeOf(path) };
  }

  async list(tenantId: string, prefix = ''): Promise<StoredObject[]> {
    assertTenantId(tenantId);
    const base = join(this.root, tenantId);
    const out: StoredObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile() && !e.name.endsWith(SIDECAR)) {
          const key = relative(base, full).split(sep).join('/');
          if (!key.startsWith(prefix)) continue;
          out.push({ key, contentType: await this.contentTypeOf(full), size: (await stat(full)).size });
        }
      }
    };
    await walk(base);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(tenantId: string, keys: string[]): Promise<void> {
    for (const key of keys) {
      const path = this.pathOf(tenantId, key);
      await rm(path, { force: true });
      await rm(`${path}${SIDECAR}`, { force: true });
    }
  }

  locate(tenantId: string, key: string): string {
    return this.pathOf(tenantId, key);
  }

  private async contentTypeOf(path: string): Promise<string> {
    try {
      return sidecarSchema.parse(JSON.parse(await readFile(`${path}${SIDECAR}`, 'utf8'))).contentType;
    } catch {
      return 'application/octet-stream';
    }
  }
}
