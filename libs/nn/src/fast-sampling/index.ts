export * from './sampler';
export * from './feature-cache';
