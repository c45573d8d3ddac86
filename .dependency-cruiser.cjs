// Import rules of the repository (issue 19), checked by `make lint-imports` (part of `make test`).
// Packages are layered: core < models, ops < device; models < materials; cli on top. Each rule
// below forbids an edge against that order, so no cycle between packages can form.
const PKG = (names) => `^host/(${names.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'firmware-not-to-host', severity: 'error', comment: 'the firmware never imports the host',
      from: { path: '^firmware/' }, to: { path: '^(host|tests|bench|scripts)/' } },
    { name: 'kernels-not-to-hal', severity: 'error', comment: 'kernels are pure: they never reach the HAL',
      from: { path: '^firmware/assembly/kernels/' }, to: { path: '^firmware/assembly/hal/' } },
    { name: 'boot-not-to-app', severity: 'error', comment: 'the bootloader layer never reaches into the application (wire them in main.ts)',
      from: { path: '^firmware/assembly/boot/' }, to: { path: '^firmware/assembly/app/' } },
    { name: 'nothing-imports-cli', severity: 'error', comment: 'no package imports @dendra/cli',
      from: { path: PKG(['core', 'device', 'models', 'ops', 'materials']) }, to: { path: '^host/cli/' } },
    { name: 'core-imports-no-package', severity: 'error', comment: '@dendra/core imports no other package',
      from: { path: '^host/core/' }, to: { path: PKG(['device', 'models', 'ops', 'materials', 'cli']) } },
    { name: 'models-layer', severity: 'error', comment: '@dendra/models imports only @dendra/core',
      from: { path: '^host/models/' }, to: { path: PKG(['device', 'ops', 'materials', 'cli']) } },
    { name: 'ops-layer', severity: 'error', comment: '@dendra/ops imports only @dendra/core',
      from: { path: '^host/ops/' }, to: { path: PKG(['device', 'models', 'materials', 'cli']) } },
    { name: 'device-layer', severity: 'error', comment: '@dendra/device imports core, models and ops only',
      from: { path: '^host/device/' }, to: { path: PKG(['materials', 'cli']) } },
    { name: 'materials-layer', severity: 'error', comment: '@dendra/materials imports core and models only',
      from: { path: '^host/materials/' }, to: { path: PKG(['device', 'ops', 'cli']) } },
    { name: 'materials-through-api', severity: 'error', comment: 'the CLI reaches materials only through its package API (@dendra/materials)',
      from: { path: '^host/cli/' }, to: { path: '^host/materials/', pathNot: '^host/materials/src/index\\.ts$' } },
    { name: 'sim-not-to-flash', severity: 'error', comment: 'the simulated board (sim/, announce.ts included) never imports the host flasher; its tests may flash it',
      from: { path: '^host/device/src/sim/', pathNot: '\\.test\\.ts$' }, to: { path: '^host/device/src/flash/' } },
    { name: 'test-support-never-ships', severity: 'error', comment: 'product code never imports test support (host/*/test/, tests/)',
      from: { path: '^host/[^/]+/src/', pathNot: '\\.test\\.ts$' }, to: { path: '^(host/[^/]+/test/|tests/)' } },
    { name: 'not-to-unresolvable', severity: 'error', comment: 'every import resolves',
      from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|^build/|^runtime/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    builtInModules: { add: ['assemblyscript/std/assembly/index'] },
  },
};
