export * from './render';
export * from './write';
