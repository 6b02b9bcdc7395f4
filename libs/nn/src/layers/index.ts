export * from './mask-store';
export * from './output-head';
export * from './config-checks';
