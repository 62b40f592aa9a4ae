export * from './centre-error';
export * from './centre-contract';
export * from './centre-client';
export * from './centre-endpoint';
export * from './core-endpoints';
export * from './http-centre-client';
export * from './outbox-row';
export * from './outbox-migration';
export * from './outbox';
export * from './reachability-probe';
export * from './centre-link';

import { CentreOutboxInit1764250000000 } from './outbox-migration';
import { CentreOutboxRow } from './outbox-row';

/** Appended to the kernel's core entities/migrations (core/store/core-*.ts). */
export const centreEntities = [CentreOutboxRow];
export const centreMigrations = [CentreOutboxInit1764250000000];
