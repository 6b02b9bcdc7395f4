export * from './autoregressive';
export * from './backend';
