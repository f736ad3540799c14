/**
 * Inside a Lambda a definition's requests never reach loopback, private or link-local addresses
 * (the runtime API, instance metadata, the VPC) unless the stack allows it; outside Lambda they may.
 */
import { assertPlatformUrlAllowed, isPrivateHost } from '../../../shared/connectors/custom/outbound';

const inLambda = { AWS_LAMBDA_FUNCTION_NAME: 'tajo-dev-platformWorker' };

test.each([
  'localhost',
  'api.localhost',
  '127.0.0.1',
  '10.1.2.3',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '169.254.169.254',
  '100.64.0.1',
  '0.0.0.0',
  '[::1]',
  '[fd00::1]',
  '[fe80::1]',
  '[::ffff:127.0.0.1]',
])('%s is private', (host) => {
  expect(isPrivateHost(host)).toBe(true);
});

test.each(['api.acmeshop.example', 'your-store.myshopify.com', '8.8.8.8', '172.32.0.1', '[2001:db8::1]'])(
  '%s is public',
  (host) => {
    expect(isPrivateHost(host)).toBe(false);
  },
);

test('in a Lambda a private URL is refused in one line; allowed by the stack, or outside Lambda, it goes', () => {
  const url = new URL('http://169.254.169.254/latest/meta-data/');
  expect(() => assertPlatformUrlAllowed(url, 'Acme Shop', inLambda)).toThrow(
    'Acme Shop: 169.254.169.254 is a private or local address, which a deployed stack does not call (set TAJO_PLATFORM_PRIVATE_URLS=allow on the stack to permit it)',
  );
  expect(() =>
    assertPlatformUrlAllowed(url, 'Acme Shop', { ...inLambda, TAJO_PLATFORM_PRIVATE_URLS: 'allow' }),
  ).not.toThrow();
  expect(() => assertPlatformUrlAllowed(url, 'Acme Shop', {})).not.toThrow();
  expect(() =>
    assertPlatformUrlAllowed(new URL('https://api.acmeshop.example/x'), 'Acme Shop', inLambda),
  ).not.toThrow();
});
