// `npm install` on a registry that publishes only some platform builds of an optional
// native package leaves them out of package-lock.json, and `npm ci` then refuses the
// lock. This puts the missing platform entries back (skipped on other platforms, as
// npm does for optional packages). Run it after changing dependencies.
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORMS = [
  ['darwin-arm64', 'darwin', 'arm64'],
  ['darwin-x64', 'darwin', 'x64'],
  ['linux-arm', 'linux', 'arm'],
  ['linux-arm64', 'linux', 'arm64'],
  ['linux-x64', 'linux', 'x64'],
  ['win32-x64', 'win32', 'x64'],
];
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const parent = lock.packages['node_modules/msgpackr-extract'];
let added = 0;
if (parent) {
  for (const [suffix, os, cpu] of PLATFORMS) {
    const key = `node_modules/@msgpackr-extract/msgpackr-extract-${suffix}`;
    if (lock.packages[key]) continue;
    lock.packages[key] = { version: parent.version, cpu: [cpu], license: 'MIT', optional: true, os: [os] };
    added++;
  }
}
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(added ? `added ${added} platform entries` : 'lock file already complete');
