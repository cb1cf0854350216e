export * from './errors.js';
export * from './issuer.js';
export * from './logger.js';
export * from './model.js';
export * from './observed.js';
export * from './pem.js';
export * from './state.js';
export * from './vocabulary.js';
