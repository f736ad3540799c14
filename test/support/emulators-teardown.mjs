export default async function teardown() {
  const emulators = globalThis.__TAJO_EMULATORS__;
  if (!emulators) return;
  await emulators.sqs.close();
  await new Promise((resolve) => emulators.dynalite.close(resolve));
}
