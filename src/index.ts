export * from './common/index.js';
export * from './proxy/index.js';
