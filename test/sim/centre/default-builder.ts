import { buildSitePackage } from './package-builder';
import type { PackageBuilder } from './sim-types';

/**
 * The package builder the simulator uses when none is passed (CLI `serve --spec`,
 * `publish`, and `startCentreSimulator` without `builder`): the load stage's builder
 * (./package-builder.ts, format in docs/formats.md).
 */
export const defaultPackageBuilder: PackageBuilder | undefined = buildSitePackage;
