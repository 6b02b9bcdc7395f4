export * from './common';
export * from './lstm';
export * from './pixelcnn';
export * from './row-lstm';
export * from './diagonal-bilstm';
export * from './presets';
export * from './incremental-common';
