export * from './trust-error';
export * from './encoding';
export * from './signing';
export * from './seal';
export * from './hash';
export * from './wrap';
