export * from './atomic';
export * from './run-folder';
export * from './manifest';
export * from './list-runs';
