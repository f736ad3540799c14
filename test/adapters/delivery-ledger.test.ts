/**
 * The platform delivery ledger on dynalite: one claim per delivery, `done` for its retention, a
 * failed write's claim released, a dead worker's claim taken over once its lease has lapsed, and
 * each tenant's and connector's deliveries apart.
 */
import { freshStore } from '../support/stores';

test('claimed once; busy while claimed; done after; released claims run again; lapsed leases are taken over', async () => {
  const { store } = await freshStore();
  expect(await store.claimDelivery('acme', 'shopify', 'w-1', 300)).toBe('claimed');
  expect(await store.claimDelivery('acme', 'shopify', 'w-1', 300)).toBe('busy');
  // Apart per tenant and per connector.
  expect(await store.claimDelivery('other', 'shopify', 'w-1', 300)).toBe('claimed');
  expect(await store.claimDelivery('acme', 'stripe', 'w-1', 300)).toBe('claimed');

  await store.completeDelivery('acme', 'shopify', 'w-1', 7 * 86_400);
  expect(await store.claimDelivery('acme', 'shopify', 'w-1', 300)).toBe('done');
  // A release after done leaves it done.
  await store.releaseDelivery('acme', 'shopify', 'w-1');
  expect(await store.claimDelivery('acme', 'shopify', 'w-1', 300)).toBe('done');

  expect(await store.claimDelivery('acme', 'shopify', 'w-2', 300)).toBe('claimed');
  await store.releaseDelivery('acme', 'shopify', 'w-2');
  expect(await store.claimDelivery('acme', 'shopify', 'w-2', 300)).toBe('claimed');

  // A lease already over (the worker died mid-write): the next try takes the delivery.
  expect(await store.claimDelivery('acme', 'shopify', 'w-3', -1)).toBe('claimed');
  expect(await store.claimDelivery('acme', 'shopify', 'w-3', 300)).toBe('claimed');
  expect(await store.claimDelivery('acme', 'shopify', 'w-3', 300)).toBe('busy');
});
