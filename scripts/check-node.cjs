// The project runs on Node 24 (the `node` devDependency). npm puts node_modules/.bin first on PATH for
// scripts, so this only fails when someone runs a script with a different Node directly.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  console.error(
    `tajo: Node 24 is required, this is ${process.version}. Run through npm (npm test / npm start) or npx.`,
  );
  process.exit(1);
}
