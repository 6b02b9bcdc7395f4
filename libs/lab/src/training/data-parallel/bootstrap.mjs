// The entry of a data-parallel worker thread: the workers' code is TypeScript, so tsx's loader is registered in
// this thread first (a Worker's execArgv `--import tsx` is not applied to worker threads by Node 20).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
