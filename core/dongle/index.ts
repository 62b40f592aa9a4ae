export * from './dongle';
export * from './typed-emitter';
export * from './soft-dongle';
export * from './hid-protocol';
export * from './hid-transport';
export * from './hid-dongle';
export * from './fake-hid';
export * from './dongle-service';
