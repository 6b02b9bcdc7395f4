export * from './webgpu';
