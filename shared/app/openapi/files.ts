/** The generated files and their text, for `npm run openapi` and the drift test. */
import { apiRoutes } from '../api';
import { openApiDocument } from './document';
import { typesOf } from './typescript';

export function generatedApiFiles(): Record<string, string> {
  const document = openApiDocument(apiRoutes);
  return {
    'docs/openapi.json': `${JSON.stringify(document, null, 2)}\n`,
    'sdk/src/api-types.gen.ts': typesOf(document),
  };
}
