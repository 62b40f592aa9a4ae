import type { PackageBuilder } from './sim-types';

/**
 * The package builder the simulator uses when none is passed (CLI `serve --spec`,
 * `publish`, and `startCentreSimulator` without `builder`). The load stage implements it
 * in ./package-builder.ts; until that file exists this stays undefined and publishing
 * says so. Wiring it is this one line:
 */
// export { buildSitePackage as defaultPackageBuilder } from './package-builder';
export const defaultPackageBuilder: PackageBuilder | undefined = undefined;
