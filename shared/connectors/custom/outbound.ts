/**
 * Where a definition's requests may go. A definition and a connection's `base_url` come from tenants
 * (the API registers definitions as data), so inside a Lambda a request to a loopback, private or
 * link-local address (the Lambda runtime API on 127.0.0.1, instance metadata on 169.254.169.254, the
 * VPC) is refused before it is sent, unless the deployment allows it (TAJO_PLATFORM_PRIVATE_URLS=allow).
 * Outside Lambda (the CLI, npm start, tests) the person's own machine and simulators are theirs to call.
 */
import { isIP } from 'node:net';
import { readEnv } from '../../core/env';
import { RequestRefusedError } from '../../core/errors';

export function assertPlatformUrlAllowed(url: URL, label: string, env: NodeJS.ProcessEnv = process.env): void {
  const e = readEnv(env);
  if (e.lambdaFunctionName === undefined || e.platformPrivateUrls === 'allow') return;
  if (!isPrivateHost(url.hostname)) return;
  throw new RequestRefusedError(
    400,
    `${label}: ${url.host} is a private or local address, which a deployed stack does not call (set TAJO_PLATFORM_PRIVATE_URLS=allow on the stack to permit it)`,
    'platform_url_refused',
  );
}

/** localhost, and IP literals in loopback, private, link-local, unspecified or unique-local ranges. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const kind = isIP(host);
  if (kind === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (kind === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped?.[1] !== undefined) return isPrivateHost(mapped[1]);
    return host === '::1' || host === '::' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host);
  }
  return false;
}
