export * from './atomic';
export * from './run-folder';
export * from './manifest';
export * from './list-runs';
export * from './run-status';
export * from './run-lock';
export * from './output-paths';
