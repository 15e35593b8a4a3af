// What can be checked about the shipped deployment without a Docker engine or a
// PBX: the files agree with each other, with package.json/tsconfig and with the
// service's own configuration schema, and keep the properties the docs promise.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AgentBody } from '../../src/acd/route-schemas.js';
import { loadConfig } from '../../src/config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

interface Section {
  name: string;
  entries: { key: string; value: string }[];
}

/** Asterisk's .conf shape: [section], then `key = value` or `key => value`; `;` starts a comment. */
function parseConf(text: string): Section[] {
  const sections: Section[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/;.*$/, '').trim();
    if (line === '') continue;
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) {
      sections.push({ name: header[1]!, entries: [] });
      continue;
    }
    const kv = /^([^=]+?)\s*=>?\s*(.*)$/.exec(line);
    if (!kv || sections.length === 0) throw new Error(`unparsable line: ${raw}`);
    sections.at(-1)!.entries.push({ key: kv[1]!, value: kv[2]! });
  }
  return sections;
}

function section(sections: Section[], name: string): Section {
  const found = sections.find((s) => s.name === name);
  if (!found) throw new Error(`no [${name}] section`);
  return found;
}

const values = (s: Section, key: string): string[] => s.entries.filter((e) => e.key === key).map((e) => e.value);

interface Step {
  exten: string;
  app: string;
  args: string;
}

/** The dialplan as (context, extension) -> ordered application steps. */
function parseDialplan(sections: Section[]): Map<string, Step[]> {
  const steps = new Map<string, Step[]>();
  for (const s of sections) {
    let exten = '';
    for (const { key, value } of s.entries) {
      if (key !== 'exten' && key !== 'same') continue;
      // exten => <pattern>,<priority>,App(args)   same => <priority>,App(args)
      const parts = key === 'exten' ? /^([^,]+),[^,]+,(\w+)\((.*)\)$/.exec(value) : /^()[^,]+,(\w+)\((.*)\)$/.exec(value);
      if (!parts) throw new Error(`unparsable dialplan line in [${s.name}]: ${value}`);
      if (key === 'exten') exten = parts[1]!;
      if (exten === '') throw new Error(`"same" before any "exten" in [${s.name}]`);
      const list = steps.get(`${s.name}/${exten}`) ?? [];
      list.push({ exten, app: parts[2]!, args: parts[3]! });
      steps.set(`${s.name}/${exten}`, list);
    }
  }
  return steps;
}

/** The cti-bridge service's environment block of docker-compose.yml, defaults substituted. */
function composeEnvironment(compose: string): Record<string, string> {
  const lines = compose.split('\n');
  const service = lines.indexOf('  cti-bridge:');
  const start = lines.indexOf('    environment:', service);
  expect(service).toBeGreaterThan(-1);
  expect(start).toBeGreaterThan(service);
  const env: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    const m = /^ {6}([A-Z][A-Z0-9_]*): (.*)$/.exec(line);
    if (!m) break;
    env[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1').replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
  }
  return env;
}

interface PjsipObject {
  name: string;
  type: string;
  get: (key: string) => string[];
}

/** pjsip.conf's objects with their templates (`[name](template)`, `[name](!)`) applied. */
function pjsipObjects(text: string): PjsipObject[] {
  const templates = new Map<string, Section['entries']>();
  const objects: { name: string; entries: Section['entries'] }[] = [];
  let current: Section['entries'] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/;.*$/, '').trim();
    if (line === '') continue;
    const header = /^\[([^\]]+)\](?:\(([^)]*)\))?$/.exec(line);
    if (header) {
      const opts = (header[2] ?? '').split(',').filter((o) => o !== '');
      current = opts.filter((o) => o !== '!').flatMap((t) => {
        const inherited = templates.get(t);
        if (!inherited) throw new Error(`[${header[1]}] uses the unknown template ${t}`);
        return [...inherited];
      });
      if (opts.includes('!')) templates.set(header[1]!, current);
      else objects.push({ name: header[1]!, entries: current });
      continue;
    }
    const kv = /^([^=]+?)\s*=>?\s*(.*)$/.exec(line);
    if (!kv) throw new Error(`unparsable line: ${raw}`);
    current.push({ key: kv[1]!, value: kv[2]! });
  }
  return objects.map((o) => {
    const get = (key: string) => o.entries.filter((e) => e.key === key).map((e) => e.value);
    return { name: o.name, type: get('type').at(-1) ?? '', get };
  });
}

const configVariables = [...read('src/config.ts').matchAll(/^ {2}([A-Z][A-Z0-9_]*): Type\./gm)].map((m) => m[1]!);

describe('docker-compose.yml', () => {
  const compose = read('docker-compose.yml');

  it('gives cti-bridge an environment the service accepts, aimed at the compose peers', () => {
    const env = composeEnvironment(compose);
    for (const name of Object.keys(env)) expect(configVariables).toContain(name);
    // The shipped placeholders stop the start until the operator sets real secrets.
    expect(() => loadConfig(env)).toThrow(/AMI_SECRET, ARI_PASSWORD, DATABASE_URL still hold a CHANGE-ME placeholder/);
    const config = loadConfig({ ...env, ALLOW_PLACEHOLDER_SECRETS: 'true' });
    expect(config.host).toBe('0.0.0.0');
    expect(config.databaseUrl).toMatch(/@postgres:5432\//);
    expect(config.redisUrl).toBe('redis://redis:6379');
    expect(config.pbxNodes).toHaveLength(1);
    expect(config.pbxNodes[0]!.ami).toMatchObject({ host: 'asterisk', port: 5038, user: 'cti' });
    expect(config.pbxNodes[0]!.ari).toMatchObject({ url: 'http://asterisk:8088/ari', user: 'cti' });
  });

  it('runs Redis durable and never evicting, Postgres 15, with health-gated start', () => {
    expect(compose).toMatch(/redis-server.*"--appendonly", "yes"/);
    expect(compose).toMatch(/"--maxmemory-policy", "noeviction"/);
    expect(compose).toMatch(/^ {4}image: postgres:15$/m);
    expect(compose).toMatch(/^ {4}image: redis:7$/m);
    expect(compose).toMatch(/postgres:\n {8}condition: service_healthy/);
    expect(compose).toMatch(/redis:\n {8}condition: service_healthy/);
    expect(compose).toMatch(/- redisdata:\/data/);
    expect(compose).toMatch(/- pgdata:\/var\/lib\/postgresql\/data/);
  });

  it('mounts config files that exist, and publishes the API on loopback only', () => {
    const mounts = [...compose.matchAll(/- \.\/(deploy\/asterisk\/[\w.]+):\/etc\/asterisk\/([\w.]+):ro/g)];
    expect(mounts.length).toBeGreaterThanOrEqual(4);
    for (const [, source, target] of mounts) {
      expect(existsSync(`${root}${source}`), source).toBe(true);
      expect(source!.endsWith(`/${target}`)).toBe(true);
    }
    const published = [...compose.matchAll(/^ {6}- "([^"]+:\d+:\d+)"$/gm)].map((m) => m[1]);
    expect(published).toEqual(['127.0.0.1:8080:8080']);
  });

  it('uses the same secrets as the shipped Asterisk files, so the stack starts as is', () => {
    const env = composeEnvironment(compose);
    expect(values(section(parseConf(read('deploy/asterisk/manager.conf')), env.AMI_USER!), 'secret')).toEqual([
      env.AMI_SECRET,
    ]);
    expect(values(section(parseConf(read('deploy/asterisk/ari.conf')), env.ARI_USER!), 'password')).toEqual([
      env.ARI_PASSWORD,
    ]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('runs the compiled entry point that package.json builds', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const build = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
    const entry = /tsx (\S+\.ts)$/.exec(pkg.scripts.start ?? '')?.[1];
    expect(entry).toBe(`${build.compilerOptions.rootDir}/main.ts`);
    const compiled = `${build.compilerOptions.outDir}/${entry!.slice(build.compilerOptions.rootDir.length + 1).replace(/\.ts$/, '.js')}`;
    expect(finalStage).toContain(`CMD ["node", "${compiled}"]`);
    expect(existsSync(`${root}${entry}`), `${entry} is the image's entry point`).toBe(true);
  });

  it('runs as the unprivileged node user, in production mode, on Node 24 LTS', () => {
    const users = [...finalStage.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    expect(users).toEqual(['node']);
    expect(finalStage.indexOf('USER node')).toBeLessThan(finalStage.indexOf('CMD '));
    expect(finalStage).toMatch(/NODE_ENV=production/);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-/m);
    // Production dependencies only: node_modules comes from the stage that omits dev.
    const stages = dockerfile.split(/\n(?=FROM )/);
    const source = /^COPY --from=(\S+) \/app\/node_modules /m.exec(finalStage)?.[1];
    const sourceStage = stages.find((s) => s.startsWith('FROM ') && s.split('\n')[0]!.endsWith(` AS ${source}`));
    expect(sourceStage, `stage ${source}`).toBeDefined();
    expect(sourceStage).toMatch(/^RUN npm ci --omit=dev/m);
  });

  it('supports Node 22 and 24 LTS: engines, README and CI agree, CI runs the suite on the machine’s Node and on both', () => {
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('>=22');
    expect(read('README.md')).toMatch(/Node\.js 22 and 24 LTS/);
    const ci = read('.ci/run');
    expect(ci).toMatch(/^run_suite "\$\(command -v node\)" "the machine's"$/m);
    expect(ci).toMatch(/^for major in 22 24; do$/m);
    expect(ci).toMatch(/npm install [^\n]*"node@\$major"/);
    expect(ci).toMatch(/"\$bin" node_modules\/vitest\/vitest\.mjs run/);
  });

  it('ships the migrations, exposes the port and checks /healthz without curl', () => {
    expect(finalStage).toMatch(/^COPY migrations \.\/migrations$/m);
    expect(finalStage).toMatch(/^EXPOSE 8080$/m);
    expect(finalStage).toMatch(/HEALTHCHECK[\s\S]*CMD \["node", "-e", ".*\/healthz/);
    const instructions = finalStage.replace(/^#.*$/gm, '');
    expect(instructions).not.toMatch(/curl|wget/);
  });

  it('keeps what the build needs in the context and the rest out', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const needed of ['src', 'migrations', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
      expect(ignored).not.toContain(needed);
    }
    for (const excluded of ['node_modules', '.git', '.env', 'dist']) expect(ignored).toContain(excluded);
  });
});

describe('deploy/asterisk', () => {
  const dialplan = parseConf(read('deploy/asterisk/extensions.conf'));
  const steps = parseDialplan(dialplan);
  const globals = new Map(section(dialplan, 'globals').entries.map((e) => [e.key, e.value]));
  const expand = (s: string) => s.replace(/\$\{(\w+)\}/g, (all, name: string) => globals.get(name) ?? all);

  it('sends every inbound DID to the Stasis app and falls back to a real destination when it fails', () => {
    const inbound = [...steps].filter(([key]) => key.startsWith('from-pstn/'));
    expect(inbound.length).toBeGreaterThan(0);
    for (const [key, list] of inbound) {
      const at = list.findIndex((s) => s.app === 'Stasis');
      expect(at, key).toBeGreaterThanOrEqual(0);
      const [app, ...args] = expand(list[at]!.args).split(',');
      expect(app).toBe(loadConfig({ AMI_SECRET: 'x', ARI_PASSWORD: 'y' }).pbxNodes[0]!.ari.app);
      expect(args).toEqual(['inbound', '${EXTEN}', '${CHANNEL(linkedid)}']);

      const check = list[at + 1]!;
      expect(check.app).toBe('GotoIf');
      const branch = /^\$\["\$\{STASISSTATUS\}" = "FAILED"\]\?([\w-]+),(\w+),1$/.exec(check.args);
      expect(branch, `${key}: ${check.args}`).not.toBeNull();
      const fallback = steps.get(`${branch![1]}/${branch![2]}`);
      expect(fallback, `fallback ${branch![1]},${branch![2]} exists`).toBeDefined();
      expect(fallback!.map((s) => s.app)).not.toContain('Stasis');
      expect(fallback!.some((s) => ['Dial', 'Queue', 'VoiceMail'].includes(s.app))).toBe(true);
    }
  });

  it('defines every global the dialplan uses and the contexts cti-bridge dials into', () => {
    const used = [...read('deploy/asterisk/extensions.conf').matchAll(/\$\{(CTI_\w+)\}/g)].map((m) => m[1]!);
    for (const name of used) expect(globals.has(name), name).toBe(true);
    for (const context of ['cti-agents', 'cti-fax', 'cti-outbound']) {
      expect([...steps.keys()].some((k) => k.startsWith(`${context}/`)), context).toBe(true);
    }
    // The fallback queue exists and lets callers through to voicemail when nobody can answer.
    const queue = section(parseConf(read('deploy/asterisk/queues.conf')), globals.get('CTI_FALLBACK_QUEUE')!);
    expect(values(queue, 'joinempty')).toEqual(['strict']);
    expect(values(queue, 'leavewhenempty')).toEqual(['strict']);
  });

  it('configures ARI and HTTP the way cti-bridge speaks to them', () => {
    const ari = parseConf(read('deploy/asterisk/ari.conf'));
    expect(values(section(ari, 'general'), 'enabled')).toEqual(['yes']);
    expect(values(section(ari, 'general'), 'pretty')).toEqual(['no']);
    expect(values(section(ari, 'cti'), 'type')).toEqual(['user']);
    expect(values(section(ari, 'cti'), 'read_only')).toEqual(['no']);
    const http = section(parseConf(read('deploy/asterisk/http.conf')), 'general');
    expect(values(http, 'enabled')).toEqual(['yes']);
    expect(values(http, 'bindport')).toEqual(['8088']);
    expect(values(http, 'bindaddr')).toHaveLength(1);
  });

  it('grants the AMI user what the service uses and nothing that amounts to root', () => {
    const cti = section(parseConf(read('deploy/asterisk/manager.conf')), 'cti');
    const write = values(cti, 'write')[0]!.split(',');
    const readClasses = values(cti, 'read')[0]!.split(',');
    for (const needed of ['call', 'originate', 'agent', 'reporting']) expect(write).toContain(needed);
    for (const needed of ['system', 'call', 'agent', 'cdr', 'dialplan']) expect(readClasses).toContain(needed);
    for (const dangerous of ['all', 'system', 'command', 'config', 'agi']) expect(write).not.toContain(dangerous);
    expect(readClasses).not.toContain('all');
    expect(values(cti, 'deny')[0]).toBe('0.0.0.0/0.0.0.0');
    expect(values(cti, 'permit').length).toBeGreaterThan(0);
    expect(Number(values(cti, 'writetimeout')[0])).toBeGreaterThanOrEqual(100);
  });

  it('ships placeholder secrets only', () => {
    const secrets = [
      ...values(section(parseConf(read('deploy/asterisk/manager.conf')), 'cti'), 'secret'),
      ...values(section(parseConf(read('deploy/asterisk/ari.conf')), 'cti'), 'password'),
    ];
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) expect(secret).toMatch(/^CHANGE-ME-/);
  });
});

describe('deploy/asterisk: PBX, dialplan and service agree', () => {
  const dialplanText = read('deploy/asterisk/extensions.conf');
  const dialplan = parseConf(dialplanText);
  const globals = new Map(section(dialplan, 'globals').entries.map((e) => [e.key, e.value]));
  const contexts = new Set(dialplan.map((s) => s.name));
  const pjsip = pjsipObjects(read('deploy/asterisk/pjsip.conf'));
  const ofType = (type: string) => pjsip.filter((o) => o.type === type);
  const defaults = loadConfig({ AMI_SECRET: 'x', ARI_PASSWORD: 'y' });
  const trunk = ofType('endpoint').find((e) => e.name === defaults.callControl.trunk);
  const phones = ofType('endpoint').filter((e) => e !== trunk);
  /** What a context reaches, its includes followed. */
  const reach = (context: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(context)) return seen;
    seen.add(context);
    for (const inc of values(section(dialplan, context), 'include')) reach(inc, seen);
    return seen;
  };

  it('has one trunk name: CALLS_TRUNK, CTI_TRUNK and the carrier endpoint', () => {
    expect(trunk, `pjsip endpoint ${defaults.callControl.trunk}`).toBeDefined();
    expect(globals.get('CTI_TRUNK')).toBe(defaults.callControl.trunk);
    expect(trunk!.get('aors')).toEqual([trunk!.name]);
    expect(ofType('aor').map((a) => a.name)).toContain(trunk!.name);
    expect(ofType('identify').map((i) => i.get('endpoint')[0])).toContain(trunk!.name);
    // Calls from the carrier start where the dialplan hands them to the Stasis app.
    expect(trunk!.get('context')).toEqual(['from-pstn']);
    // The fax dial string the service uses by default runs through a context that exists.
    const faxContext = /@([\w-]+)/.exec(defaults.fax.dialTemplate)?.[1];
    expect(contexts.has(faxContext!), faxContext).toBe(true);
  });

  it('keeps media on the PBX with RFC 4733 digits and one codec list, so legs bridge natively', () => {
    expect(phones.length).toBeGreaterThan(0);
    const codecs = (e: PjsipObject) => e.get('allow').join(',');
    for (const e of [trunk!, ...phones]) {
      expect(e.get('direct_media'), e.name).toEqual(['no']);
      expect(e.get('dtmf_mode'), e.name).toEqual(['rfc4733']);
      expect(e.get('disallow'), e.name).toEqual(['all']);
      expect(codecs(e), e.name).toBe(codecs(trunk!));
      expect(e.get('rtp_symmetric'), e.name).toEqual(['yes']);
    }
    expect(codecs(trunk!).split(',').every((c) => c === 'alaw' || c === 'ulaw')).toBe(true);
    const rtp = section(parseConf(read('deploy/asterisk/rtp.conf')), 'general');
    const [start, end] = [Number(values(rtp, 'rtpstart')[0]), Number(values(rtp, 'rtpend')[0])];
    expect(start).toBeGreaterThanOrEqual(1024);
    expect(end).toBeGreaterThan(start);
    expect(end).toBeLessThanOrEqual(65535);
  });

  it('gives agent phones a name the ACD accepts, a qualify, and a context where transfers find extensions', () => {
    const pattern = new RegExp(String((AgentBody.properties.endpoint as unknown as { pattern: string }).pattern));
    expect(pattern.test('SIP/1001')).toBe(false);
    for (const phone of phones) {
      expect(pattern.test(`PJSIP/${phone.name}`), phone.name).toBe(true);
      expect(phone.get('allow_transfer'), phone.name).toHaveLength(1);
      const [aorName] = phone.get('aors');
      const aor = ofType('aor').find((a) => a.name === aorName);
      expect(Number(aor?.get('qualify_frequency')[0]), `${phone.name} qualify`).toBeGreaterThan(0);
      // A phone's transfer key looks its target up in the phone's context: the same
      // context the API's PBX-side transfers ring extensions in must be reachable there.
      const [context] = phone.get('context');
      expect(contexts.has(context!), context).toBe(true);
      expect(reach(context!).has('cti-agents'), `${context} reaches cti-agents`).toBe(true);
      expect(reach(context!).has('from-pstn'), `${context} must not reach the inbound path`).toBe(false);
      for (const v of phone.get('set_var')) expect(v).toBe('PJSIP_TRANSFER_HANDLING()=ari-only');
    }
    expect(trunk!.get('allow_transfer')).toEqual(['no']);
  });

  it('loads res_mwi_external for the lamps and keeps app_voicemail, which excludes it, out of module list and dialplan', () => {
    const modules = section(parseConf(read('deploy/asterisk/modules.conf')), 'modules');
    expect(values(modules, 'autoload')).toEqual(['yes']);
    expect(values(modules, 'noload')).toContain('app_voicemail.so');
    expect(values(modules, 'load')).toEqual(expect.arrayContaining(['res_mwi_external.so', 'res_ari_mailboxes.so']));
    for (const m of values(modules, 'load')) expect(values(modules, 'noload')).not.toContain(m);
    const apps = [...parseDialplan(dialplan).values()].flat().map((s) => s.app);
    expect(apps).not.toContain('VoiceMail');
    expect(apps).not.toContain('VoiceMailMain');
    expect(apps).toContain('Record');
  });

  it('is what docker-compose.yml mounts, every file', () => {
    const compose = read('docker-compose.yml');
    for (const file of ['pjsip.conf', 'rtp.conf', 'modules.conf', 'extensions.conf', 'manager.conf']) {
      expect(compose).toContain(`./deploy/asterisk/${file}:/etc/asterisk/${file}:ro`);
    }
  });
});

describe('docs/asterisk.md', () => {
  it('explains every shipped file and every dialplan context', () => {
    const doc = read('docs/asterisk.md');
    const files = ['ari.conf', 'cdr_manager.conf', 'cel.conf', 'extensions.conf', 'http.conf', 'manager.conf', 'modules.conf', 'pjsip.conf', 'queues.conf', 'res_fax.conf', 'rtp.conf'];
    for (const file of files) {
      expect(existsSync(`${root}deploy/asterisk/${file}`), file).toBe(true);
      expect(doc, file).toContain(file);
    }
    for (const s of parseConf(read('deploy/asterisk/extensions.conf'))) expect(doc, s.name).toContain(`[${s.name}]`);
    // Agents and click-to-dial are dialled straight at their endpoints, not through a Local channel.
    expect(doc).not.toMatch(/endpoint=Local\/|Channel=Local\/<agent>/);
  });

  it('documents only variables the service reads, and every PBX variable it reads', () => {
    const doc = read('docs/asterisk.md');
    const documented = [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!);
    expect(documented.length).toBeGreaterThan(0);
    for (const name of documented) expect(configVariables, name).toContain(name);
    for (const name of configVariables.filter((n) => /^(AMI|ARI|PBX)_/.test(n))) expect(documented).toContain(name);
  });
});
