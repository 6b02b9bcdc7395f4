export * from './autoregressive';
export * from './backend';
export * from './trainable';
