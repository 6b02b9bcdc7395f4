export * from './gated-pixelcnn';
export * from './presets';
export * from './incremental';
