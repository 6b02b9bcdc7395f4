export * from './checkpoint';
export * from './evaluate';
export * from './trainer';
export * from './data-parallel/pool';
export * from './data-parallel/threads';
