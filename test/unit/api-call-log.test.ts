/**
 * log_api_calls / debug: the paced fetch (every provider call goes through it) describes each
 * attempt as one line, bodies only at debug and redacted; the functions' Powertools logger writes
 * those lines and redacts everything else it is given. HTTP is real, on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { RedactingLogFormatter } from '../../functions/commons/powertools';
import { ENV } from '../../shared/core/env';
import { ProviderError } from '../../shared/core/errors';
import { newStats, type PacedFetchOptions, pacedFetch } from '../../shared/core/http/paced-fetch';
import {
  type ApiCallLine,
  formatApiCall,
  loggingSettings,
  parseApiCallMode,
  setApiCallLog,
  textApiCallLog,
} from '../../shared/core/logging/api-calls';
import { interceptOutput } from '../support/intercept-output';
import { VirtualClock } from '../support/virtual-clock';

const API_KEY = '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';

let server: Server;
let base: string;
let script: (req: IncomingMessage, body: string, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    script(req, Buffer.concat(chunks).toString('utf8'), res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function brevoFetch(over: Partial<PacedFetchOptions> = {}) {
  const clock = new VirtualClock();
  return pacedFetch({
    provider: 'brevo',
    clock,
    stats: newStats(),
    pacerFor: () => undefined,
    retryAfterMs: (res) => Number(res.headers.get('x-sib-ratelimit-reset') ?? '1') * 1000,
    ...over,
  });
}

function capture(bodies: boolean) {
  const lines: ApiCallLine[] = [];
  const undo = setApiCallLog({ bodies, write: (l) => lines.push(l) });
  return { lines, undo };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

describe('the paced fetch describes every call', () => {
  test('one line per call: provider, method, path with its ids, status, time, attempt; no bodies without debug', async () => {
    script = (_req, _body, res) => json(res, 200, { email: 'ada@example.com', id: 42 });
    const { lines, undo } = capture(false);
    try {
      const res = await brevoFetch()(`${base}/v3/contacts/42?limit=1`, { headers: { 'api-key': API_KEY } });
      expect(await res.json()).toEqual({ email: 'ada@example.com', id: 42 });
    } finally {
      undo();
    }
    expect(lines).toEqual([
      { provider: 'brevo', method: 'GET', path: '/v3/contacts/42', status: 200, ms: expect.any(Number), attempt: 1 },
    ]);
  });

  test('at debug the bodies come along, redacted; the caller still reads the whole response', async () => {
    script = (_req, body, res) =>
      json(res, 400, { code: 'invalid_parameter', message: `bad ${JSON.parse(body).email}` });
    const { lines, undo } = capture(true);
    let answered: unknown;
    try {
      const res = await brevoFetch()(`${base}/v3/contacts/ada%40example.com`, {
        method: 'PUT',
        headers: { 'api-key': API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ada@example.com', attributes: { FIRSTNAME: 'Ada', PLAN: 'pro' } }),
      });
      answered = await res.json();
    } finally {
      undo();
    }
    expect(answered).toEqual({ code: 'invalid_parameter', message: 'bad ada@example.com' });
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({ method: 'PUT', path: '/v3/contacts/[email]', status: 400 });
    expect(JSON.parse(line?.request ?? '')).toEqual({
      email: '[redacted]',
      // Every attribute value is the contact's data (PLAN was kept before).
      attributes: { FIRSTNAME: '[redacted]', PLAN: '[redacted]' },
    });
    expect(JSON.parse(line?.response ?? '')).toEqual({ code: 'invalid_parameter', message: 'bad [email]' });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('ada@example.com');
    expect(text).not.toContain(API_KEY.slice(8));
  });

  test('a 429 and its retry are two lines: the wait, then attempt 2', async () => {
    let calls = 0;
    script = (_req, _body, res) => {
      calls += 1;
      if (calls === 1) json(res, 429, { code: 'too_many_requests' }, { 'x-sib-ratelimit-reset': '2' });
      else json(res, 201, { id: 7 });
    };
    const { lines, undo } = capture(false);
    try {
      expect((await brevoFetch()(`${base}/v3/contacts`, { method: 'POST', body: '{}' })).status).toBe(201);
    } finally {
      undo();
    }
    expect(lines.map((l) => [l.status, l.attempt, l.retryAfterMs])).toEqual([
      [429, 1, 2000],
      [201, 2, undefined],
    ]);
    expect(formatApiCall(lines[0] as ApiCallLine)).toMatch(
      /^\[api\] brevo POST \/v3\/contacts → 429 \(\d+ ms, rate limited, lane paused 2 s\)$/,
    );
  });

  test('an unreachable provider is a line with status 0 and the cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { lines, undo } = capture(false);
    try {
      await expect(brevoFetch({ retry: { maxAttempts: 1 } })(`http://127.0.0.1:${port}/v3/account`)).rejects.toThrow(
        /cannot reach brevo/,
      );
    } finally {
      undo();
    }
    expect(lines).toEqual([expect.objectContaining({ status: 0, error: 'ECONNREFUSED', attempt: 1 })]);
    expect(formatApiCall(lines[0] as ApiCallLine)).toContain('unreachable: ECONNREFUSED');
  });

  test('without a log nothing is described; undo puts the previous log back', async () => {
    script = (_req, _body, res) => json(res, 200, {});
    const outer = capture(false);
    const inner = capture(false);
    await brevoFetch()(`${base}/v3/account`);
    inner.undo();
    await brevoFetch()(`${base}/v3/account`);
    outer.undo();
    await brevoFetch()(`${base}/v3/account`);
    expect(inner.lines).toHaveLength(1);
    expect(outer.lines).toHaveLength(1);
  });
});

describe('the config decides', () => {
  test.each([
    [
      { debug: true, log_level: 'warn', log_api_calls: false },
      { level: 'debug', apiCalls: 'bodies' },
    ],
    [
      { debug: false, log_level: 'info', log_api_calls: true },
      { level: 'info', apiCalls: 'calls' },
    ],
    [
      { debug: false, log_level: 'debug', log_api_calls: true },
      { level: 'debug', apiCalls: 'bodies' },
    ],
    [
      { debug: false, log_level: 'debug', log_api_calls: false },
      { level: 'debug', apiCalls: 'off' },
    ],
    [
      { debug: false, log_level: 'error', log_api_calls: false },
      { level: 'error', apiCalls: 'off' },
    ],
  ] as const)('%j → %j', (config, expected) => {
    expect(loggingSettings(config)).toEqual(expected);
  });

  test('the functions read the mode from their environment; anything else is off', () => {
    expect(parseApiCallMode('calls')).toBe('calls');
    expect(parseApiCallMode('bodies')).toBe('bodies');
    expect(parseApiCallMode('yes')).toBe('off');
    expect(parseApiCallMode(undefined)).toBe('off');
    expect(textApiCallLog('off', () => undefined)).toBeUndefined();
  });
});

describe("the functions' Powertools logger", () => {
  function loggedLines(run: () => void): Record<string, unknown>[] {
    const output = interceptOutput();
    try {
      run();
    } finally {
      output.restore();
    }
    return output.jsonLines();
  }

  test('messages, attributes and errors are redacted; the structure and the ids stay', () => {
    const logger = new Logger({ serviceName: 'test', logLevel: 'DEBUG', logFormatter: new RedactingLogFormatter() });
    const cause = new Error(`token ${API_KEY} rejected`);
    const error = new ProviderError('brevo', 400, 'invalid_parameter', 'Brevo error on contact grace@example.com');
    (error as Error & { cause?: unknown }).cause = cause;
    const [line] = loggedLines(() =>
      logger.error('Brevo refused ada@example.com', {
        tenantId: 'acme',
        error,
        headers: { authorization: 'Bearer xoxb-1-2-abcdefabcdef' },
        contact: { email: 'ada@example.com', SMS: '+33612345678' },
      }),
    );
    const text = JSON.stringify(line);
    for (const secret of ['ada@example.com', 'grace@example.com', API_KEY.slice(8), 'abcdefabcdef', '33612345678']) {
      expect(text).not.toContain(secret);
    }
    expect(line).toMatchObject({
      level: 'ERROR',
      message: 'Brevo refused [email]',
      service: 'test',
      tenantId: 'acme',
      headers: { authorization: '[redacted]' },
      contact: { email: '[redacted]', SMS: '[redacted]' },
      error: {
        name: 'ProviderError',
        message: 'Brevo error on contact [email]',
        provider: 'brevo',
        status: 400,
        cause: { name: 'Error', message: 'token xkeysib-[redacted] rejected' },
      },
    });
  });

  test('TAJO_LOG_API_CALLS=calls writes each provider call at INFO, even where the function logs only warnings', async () => {
    script = (_req, _body, res) => json(res, 200, { ok: true });
    const env = { level: process.env.POWERTOOLS_LOG_LEVEL, mode: process.env[ENV.logApiCalls] };
    process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
    process.env[ENV.logApiCalls] = 'calls';
    const output = interceptOutput();
    try {
      await jest.isolateModulesAsync(async () => {
        // A fresh module graph, as a function's container loads it: the logger module sets the log.
        const fresh = (await import(
          '../../functions/commons/powertools'
        )) as typeof import('../../functions/commons/powertools');
        const { pacedFetch: freshFetch } = await import('../../shared/core/http/paced-fetch');
        fresh.logger.info('not shown at WARN');
        await freshFetch({
          provider: 'slack',
          clock: new VirtualClock(),
          stats: newStats(),
          pacerFor: () => undefined,
          retryAfterMs: () => 1000,
        })(`${base}/api/chat.postMessage`, { method: 'POST', body: 'channel=C1&text=hi' });
      });
    } finally {
      output.restore();
      process.env.POWERTOOLS_LOG_LEVEL = env.level;
      if (env.mode === undefined) delete process.env[ENV.logApiCalls];
      else process.env[ENV.logApiCalls] = env.mode;
    }
    const lines = output.jsonLines();
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'api call',
        provider: 'slack',
        method: 'POST',
        path: '/api/chat.postMessage',
        status: 200,
        attempt: 1,
      }),
    ]);
    expect(lines[0]).not.toHaveProperty('request');
  });
});
