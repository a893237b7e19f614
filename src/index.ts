export * from './common/index.js';
export * from './proxy/index.js';
export * from './generator/index.js';
export * from './profiler/index.js';
export * from './forecast/index.js';
export * from './scaler/index.js';
