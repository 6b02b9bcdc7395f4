export * from './gated-pixelcnn';
export * from './presets';
