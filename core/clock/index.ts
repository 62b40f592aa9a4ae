export * from './time-token';
export * from './trusted-clock';
