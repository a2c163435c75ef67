/**
 * Worker threads that run one of Cleave's own modules: the built JavaScript, or, from a checkout or the tests,
 * its TypeScript through tsx. The module sees `workerData.data` and talks over `parentPort`.
 */
import { Worker } from 'node:worker_threads';

/** A worker running the module at `moduleUrl` (usually `import.meta.url` of the module that starts it). */
export function startWorker(moduleUrl: string, data: unknown): Worker {
  return new Worker(
    `const { workerData } = require('node:worker_threads');
     (async () => {
       if (workerData.module.endsWith('.ts')) (await import(workerData.tsx)).register();
       await import(workerData.module);
     })().catch((e) => { require('node:worker_threads').parentPort.postMessage({ error: String((e && e.stack) || e) }); });`,
    { eval: true, workerData: { module: moduleUrl, tsx: tsxUrl(), data } },
  );
}

/** Workers can load the module at `moduleUrl`: built JavaScript, or TypeScript with tsx resolvable. */
export function workersCanLoad(moduleUrl: string): boolean {
  return !moduleUrl.endsWith('.ts') || tsxUrl() !== null;
}

function tsxUrl(): string | null {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return null;
  }
}
