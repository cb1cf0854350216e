export * from './crypto/index.js';
export * from './delivery/index.js';
export * from './files/index.js';
export * from './hooks/index.js';
export * from './issuers/index.js';
export * from './lock/index.js';
export * from './state/index.js';
