// Worker-thread entry for piscina: workers start without the main thread's loaders, so register
// tsx here and load the TypeScript job runner through it.
import { register } from 'tsx/esm/api';

register();
const { runJob } = await import('./sweep-worker.ts');
export default runJob;
