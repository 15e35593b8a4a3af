// What every IVR route file shares: the options the routes are given, their OpenAPI tag,
// the empty answer of a delete, and the mapping of the store's refusals onto problems.
import { Type } from 'typebox';
import type { Config } from '../config.js';
import type { Db } from '../db/pool.js';
import { ProblemError } from '../api/problem.js';
import { StoreRefusal } from './repository.js';
import type { CheckRecordings } from './prompt-check.js';

export interface IvrRouteOptions {
  db: Db;
  config: Config;
  /** Asks the PBX nodes which recordings they lack; without it, publishing does not check prompts. */
  checkRecordings?: CheckRecordings;
}

export const TAGS = ['ivr'];

export const Deleted = Type.Null({ description: 'Deleted' });

/** Runs a store operation, turning its refusals into problems. */
export async function store<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof StoreRefusal) {
      switch (err.reason) {
        case 'not_found':
        case 'version_not_found':
          throw new ProblemError(404, err.message);
        case 'exists':
        case 'in_use':
        case 'not_published':
          throw new ProblemError(409, err.message, err.details);
      }
    }
    throw err;
  }
}
