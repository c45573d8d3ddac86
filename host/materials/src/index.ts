/**
 * The package API of @dendra/materials: the one door the CLI uses. Everything else in this
 * package is internal to it (tests and benchmarks may reach further).
 */
export { registerMaterials } from './cli/materials.ts';
