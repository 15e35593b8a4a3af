import { parentPort } from 'node:worker_threads';
import { Redis } from 'ioredis';
const x: number = 3;
parentPort!.postMessage({ x, r: typeof Redis });
