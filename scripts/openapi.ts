/**
 * `npm run openapi`: writes the management API's OpenAPI document (docs/openapi.json) and the SDK's
 * types (sdk/src/api-types.gen.ts) from the routes' specs. test/unit/openapi.test.ts fails when
 * the committed files and the generated ones differ: run this after changing a route.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedApiFiles } from '../shared/app/openapi/files';

const root = join(import.meta.dirname, '..');
for (const [path, text] of Object.entries(generatedApiFiles())) {
  writeFileSync(join(root, path), text);
  console.log(`wrote ${path}`);
}
