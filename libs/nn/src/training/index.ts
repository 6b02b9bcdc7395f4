export * from './adam';
export * from './rmsprop';
export * from './optimizer';
export * from './create-optimizer';
export * from './clip';
export * from './step';
export * from './batches';
export * from './lr-schedule';
