export * from './durable-file-store';
export * from './durable-sink';
export * from './file-errors';
export * from './write-durably';
