export * from './adam';
export * from './batches';
export * from './checkpoint';
export * from './evaluate';
export * from './trainer';
export * from './step';
