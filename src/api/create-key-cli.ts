// `npm run create-api-key -- --name ops --scopes calls:read,webhooks:write`
// Prints the new key once, alone on stdout (so scripts can capture it); it cannot be
// shown again because only its hash is stored. `--revoke <id>` revokes a key.
import { parseArgs } from 'node:util';
import { createPool } from '../db/pool.js';
import { createApiKey, revokeApiKey } from './keys.js';
import { SCOPES, parseScopes } from './scopes.js';

const USAGE = `usage: create-api-key --name <name> --scopes <scope,...>
       create-api-key --revoke <key id>
scopes: ${SCOPES.join(', ')} (admin implies all)
needs DATABASE_URL`;

function fail(message: string): never {
  console.error(`create-api-key: ${message}\n${USAGE}`);
  process.exit(2);
}

let args: { name?: string; scopes?: string; revoke?: string };
try {
  args = parseArgs({
    options: { name: { type: 'string' }, scopes: { type: 'string' }, revoke: { type: 'string' } },
    strict: true,
  }).values;
} catch (err) {
  fail((err as Error).message);
}

const url = process.env.DATABASE_URL;
if (!url) fail('DATABASE_URL is not set');

const db = createPool(url, 1);
try {
  if (args.revoke !== undefined) {
    if (!/^[0-9a-f-]{36}$/i.test(args.revoke)) fail(`'${args.revoke}' is not a key id`);
    const done = await revokeApiKey(db, args.revoke);
    console.error(done ? `revoked ${args.revoke}` : `no live key ${args.revoke}`);
    if (!done) process.exitCode = 1;
  } else {
    if (!args.name?.trim()) fail('--name is required');
    let scopes;
    try {
      scopes = parseScopes(args.scopes ?? '');
    } catch (err) {
      fail((err as Error).message);
    }
    const { id, key } = await createApiKey(db, { name: args.name.trim(), scopes });
    console.error(`created API key ${id} "${args.name.trim()}" with scopes ${scopes.join(',')}; store it now, it is shown only once:`);
    console.log(key);
  }
} catch (err) {
  console.error(`create-api-key: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.end();
}
