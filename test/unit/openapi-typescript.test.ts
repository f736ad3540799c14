/** The OpenAPI → TypeScript emitter (shared/app/openapi/typescript.ts): an array of a union is an array of any member. */
import { typeOf } from '../../shared/app/openapi/typescript';

const obj = (kind: string) => ({
  type: 'object',
  properties: { type: { const: kind }, note: { anyOf: [{ type: 'string' }, { type: 'null' }] } },
  required: ['type'],
});

test('an array of objects of several kinds is typed (A | B)[], not A | B[]', () => {
  const t = typeOf({ type: 'array', items: { oneOf: [obj('header'), obj('section')] } }, 0);
  expect(t.startsWith('({')).toBe(true);
  expect(t.endsWith('})[]')).toBe(true);
});

test('one object whose member is a union stays unwrapped; a union of scalars is wrapped', () => {
  expect(typeOf({ type: 'array', items: obj('header') }, 0)).toMatch(/^\{[\s\S]*\}\[\]$/);
  expect(typeOf({ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] } }, 0)).toBe(
    '(string | number)[]',
  );
  expect(typeOf({ type: 'array', items: { enum: ['a|b', 'c'] } }, 0)).toBe("('a|b' | 'c')[]");
  expect(typeOf({ type: 'array', items: { const: 'a|b' } }, 0)).toBe("'a|b'[]");
});
