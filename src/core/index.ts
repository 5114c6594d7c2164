export * from './internet-message-id';
export * from './odata';
export * from './address';
export * from './recipients';
export * from './targets';
