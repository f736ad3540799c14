/**
 * A definition given as text (a YAML or JSON file, the management API's body): parsed as data only,
 * then validated. Safe for the service: nothing here runs code (TS/JS modules are load.ts, local only).
 */
import { LineCounter, parseDocument } from 'yaml';
import { type Definition, DefinitionError, normalizeDefinition } from './schema';

/** A definition written as YAML or JSON text (the management API's body, a file's content). */
export function parseDefinitionText(text: string, source: string, format: 'yaml' | 'json'): Definition {
  let data: unknown;
  if (format === 'json') {
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw refusal(source, `not valid JSON (${(err as Error).message})`);
    }
  } else {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
    const [first] = doc.errors;
    if (first !== undefined) {
      const line = lineCounter.linePos(first.pos[0]).line;
      throw refusal(source, `not valid YAML at line ${line} (${oneLine(first.message)})`);
    }
    data = doc.toJS();
  }
  return normalizeDefinition(data, source);
}

export function refusal(source: string, message: string): DefinitionError {
  return new DefinitionError(source, [{ path: '', message }]);
}

export function oneLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? '';
}
