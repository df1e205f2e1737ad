export * from './signature';
export * from './address-policy';
export * from './pinned-lookup';
export * from './send';
export * from './deliveries';
export * from './event';
export * from './trigger';
export * from './processor';
