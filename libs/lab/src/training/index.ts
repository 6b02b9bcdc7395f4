export * from './checkpoint';
export * from './evaluate';
export * from './trainer';
