// Lets a child `node` run the TypeScript sources directly (`node --import ./ts-loader.mjs backend/src/worker.ts`),
// so the worker-crash test kills a real worker process without building dist/ first. Type information is
// not needed: TypeScript's transpileModule emits the decorator metadata Nest's injection reads.
import { register } from 'node:module';

register('./ts-loader-hooks.mjs', import.meta.url);
