export * from './labels';
export * from './vector-conditioner';
export * from './spatial-conditioner';
export * from './encoder';
export * from './triplet';
export * from './autoencoder';
export * from './embedding-conditional';
