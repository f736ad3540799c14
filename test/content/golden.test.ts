/**
 * Golden tests: realistic Notion pages (fixtures/*.json, block-children responses in the API's own
 * shape, keyed by parent id) are loaded through the Notion-rules fake and rendered; the outputs
 * must equal the files beside them byte for byte.
 *
 * After an intended change to the output, regenerate the goldens and review the diff:
 *
 *   UPDATE_GOLDEN=1 npx jest test/content/golden
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  type BlockNode,
  loadBlockTree,
  type MediaBlock,
  plainText,
  type RenderOptions,
  RichTextArraySchema,
  renderEmailHtml,
  renderMarkdown,
} from '../../shared/connectors/notion/content';
import { FakeNotionBlocks } from './fake-notion';

const DIR = join(__dirname, 'fixtures');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const FixtureSchema = z.object({
  page: z.object({
    id: z.string(),
    url: z.string(),
    properties: z.object({ title: z.object({ title: RichTextArraySchema }) }),
  }),
  children: z.record(z.string(), z.array(z.unknown())),
});

/** The renderer options a caller would pass: stored copies of Notion files, page titles, user names. */
const OPTIONS: RenderOptions = {
  fileUrl: (block: MediaBlock) => {
    const media =
      block.type === 'image'
        ? block.image
        : block.type === 'pdf'
          ? block.pdf
          : block.type === 'file'
            ? block.file
            : undefined;
    if (media?.type !== 'file' || media.file === undefined) return undefined;
    const name = new URL(media.file.url).pathname.split('/').pop();
    return `https://files.tajo.example/${block.id}/${name}`;
  },
  resolvePage: (id) =>
    ({
      '5d2e8f1a-6b3c-4d7e-9f0a-1b2c3d4e5f6a': { title: 'Pricing FAQ', url: 'https://help.tajo.example/pricing' },
      '2b7c9e10-4d3a-4f21-9c8e-5a6b7c8d9e0f': { title: 'Brevo connector setup' },
    })[id],
  resolveUser: (id) => (id === '6c1f2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b' ? 'Anna Lee' : undefined),
};

function golden(file: string, actual: string): void {
  const path = join(DIR, file);
  if (UPDATE) {
    writeFileSync(path, actual);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

async function load(name: string, pageSize?: number) {
  const fixture = FixtureSchema.parse(JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')));
  const fake = new FakeNotionBlocks(fixture.children);
  const loaded = await loadBlockTree(fake.fetchChildren, fixture.page.id, pageSize === undefined ? {} : { pageSize });
  return { fixture, fake, loaded };
}

describe.each(['product-launch', 'knowledge-base', 'every-block', 'tricky-rich-text'])('golden %s', (name) => {
  let tree: BlockNode[];
  let title: string;
  let url: string;
  let loadWarnings: string[];

  beforeAll(async () => {
    const { fixture, loaded } = await load(name);
    tree = loaded.blocks;
    loadWarnings = loaded.warnings;
    title = plainText(fixture.page.properties.title.title);
    url = fixture.page.url;
  });

  it('renders the expected Markdown', () => {
    golden(`${name}.md`, renderMarkdown(tree, OPTIONS));
  });

  it('renders the expected email HTML, text and warnings', () => {
    const email = renderEmailHtml({ title, url }, tree, OPTIONS);
    golden(`${name}.html`, email.html);
    golden(`${name}.txt`, email.text);
    golden(`${name}.warnings.txt`, [...loadWarnings, ...email.warnings].map((w) => `${w}\n`).join(''));
  });

  it('loads the same tree whatever the page size', async () => {
    const small = await load(name, 2);
    expect(small.loaded.blocks).toEqual(tree);
    expect(small.fake.calls.every((c) => c.pageSize === 2)).toBe(true);
  });
});
