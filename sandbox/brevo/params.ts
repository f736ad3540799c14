/** Brevo simulator: request parameter parsing shared by the endpoints (body, flags, paging, sort). */

import type { SimRequest } from '../http-kit';
import { err, isPlainObject, isPositiveInt, type PhoneKey } from './model';

export const PHONE_IDENTIFIER_TYPES: Record<string, PhoneKey> = {
  phone_id: 'SMS',
  whatsapp_id: 'WHATSAPP',
  landline_number_id: 'LANDLINE_NUMBER',
};

export function body(req: SimRequest): Record<string, unknown> {
  if (req.body === undefined) return {};
  if (!isPlainObject(req.body)) throw err(400, 'bad_request', 'Request body must be a JSON object');
  return req.body;
}

export function optBool(b: Record<string, unknown>, key: string): boolean | undefined {
  const v = b[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw err(400, 'invalid_parameter', `${key} must be a boolean`);
  return v;
}

export function optIntArray(value: unknown, key: string): number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every(isPositiveInt)) {
    throw err(400, 'invalid_parameter', `${key} must be an array of positive integers`);
  }
  return value as number[];
}

export function page(req: SimRequest, defaultLimit: number, maxLimit: number): { limit: number; offset: number } {
  const parse = (name: string, def: number): number => {
    const raw = req.query.get(name);
    if (raw === null || raw === '') return def;
    if (!/^\d+$/.test(raw)) throw err(400, 'invalid_parameter', `${name} must be a non-negative integer`);
    return Number(raw);
  };
  const limit = parse('limit', defaultLimit);
  const offset = parse('offset', 0);
  if (limit > maxLimit) throw err(400, 'out_of_range', `limit exceeds the maximum of ${maxLimit}`);
  return { limit, offset };
}

export function sortDir(req: SimRequest): 'asc' | 'desc' {
  const s = req.query.get('sort') ?? 'desc';
  if (s !== 'asc' && s !== 'desc') throw err(400, 'invalid_parameter', 'sort must be asc or desc');
  return s;
}
