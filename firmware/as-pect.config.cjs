// as-pect configuration for the firmware unit tests (assembly/**/*.spec.ts beside the code).
// Run from the repository root: `npx asp --config firmware/as-pect.config.cjs`.
// as-pect resolves its compiler config (./as-pect.asconfig.json) and the globs below against
// the working directory, so the tests run from firmware/ (this file's folder).
process.chdir(__dirname);

module.exports = {
  entries: ['assembly/**/*.spec.ts'],
  include: ['assembly/**/*.include.ts'],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
