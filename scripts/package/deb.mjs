#!/usr/bin/env node
/**
 * The Debian package certloop_<version>_amd64.deb, built with Debian's own
 * tools from the single executable: a staging tree, `dpkg-shlibdeps` for
 * Depends, `dpkg-deb --root-owner-group -Zxz --build`. No debhelper: the
 * maintainer scripts in packaging/debian/ are hand-written.
 *
 *   import { buildDeb } from './scripts/package/deb.mjs';
 *   const deb = await buildDeb({ repo, executable, version, outDir });
 *
 *   node scripts/package/deb.mjs --executable dist/certloop-linux-x64 [--version 0.1.0] [--out dist] [--xz-level 6]
 *
 * Needs on disk: the executable; `pnpm build`'s packages/cli/dist/program.js
 * (man page and completions) and dist/sea/build-info.json (copyright); the
 * tools from scripts/deps/packaging.sh. The man page, the completions and the
 * copyright file are generated here (man.mjs, completion.mjs, copyright.mjs).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCliModel } from './cli-model.mjs';
import { renderBashCompletion, renderZshCompletion } from './completion.mjs';
import { findNodeLicense, renderCopyright } from './copyright.mjs';
import { renderManPage } from './man.mjs';

const PACKAGE = 'certloop';
const ARCH = 'amd64';
const CONFFILES = ['/etc/certloop/certloop.yaml', '/etc/certloop/issuer.env'];
const UNITS = ['certloop.service', 'certloop-once.service', 'certloop-once.timer'];
const SCHEMA = '/usr/share/certloop/certloop-v1.schema.json';

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}:\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

function requireTools() {
  const missing = ['dpkg-deb', 'dpkg-shlibdeps', 'objdump', 'gzip'].filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
  );
  if (missing.length > 0) {
    throw new Error(`missing ${missing.join(', ')}: run \`bash scripts/deps/packaging.sh\` first`);
  }
}

/** Writes a file with its final mode (whatever the umask). */
function put(root, path, content, mode = 0o644) {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  chmodSync(target, mode);
}

function copy(root, path, source, mode = 0o644) {
  put(root, path, readFileSync(source), mode);
}

function gzip9n(content) {
  return execFileSync('gzip', ['-9n'], { input: content, maxBuffer: 64 * 1024 * 1024 });
}

/** Directories get 0755 (except those set explicitly after), as dpkg-deb expects from a staging tree. */
function fixDirectoryModes(dir, keep) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (!keep.has(path)) chmodSync(path, 0o755);
    fixDirectoryModes(path, keep);
  }
}

function walk(dir, visit) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    visit(path, entry);
    if (entry.isDirectory()) walk(path, visit);
  }
}

/** Installed-Size as dpkg-gencontrol counts it: KiB per file rounded up, 1 per directory or link. */
function installedSize(root) {
  let kib = 0;
  walk(root, (path, entry) => {
    if (relative(root, path).startsWith('DEBIAN')) return;
    kib += entry.isFile() ? Math.ceil(lstatSync(path).size / 1024) : 1;
  });
  return kib;
}

function md5sums(root, exclude) {
  const lines = [];
  walk(root, (path, entry) => {
    const rel = relative(root, path);
    if (!entry.isFile() || rel.startsWith('DEBIAN') || exclude.has(`/${rel}`)) return;
    lines.push(`${createHash('md5').update(readFileSync(path)).digest('hex')}  ${rel}`);
  });
  return `${lines.sort((a, b) => (a.slice(34) < b.slice(34) ? -1 : 1)).join('\n')}\n`;
}

/** `Fri, 04 Dec 2026 12:00:00 +0000`, as Debian changelogs write dates. */
function debianDate(date) {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n) => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/**
 * packaging/debian/changelog, with an entry prepended when `version` has none
 * (a rebuild with a higher version, as the upgrade test does). Returns the text
 * and the date of its top entry (the package's timestamp).
 */
function changelogFor(repo, version, maintainer, commit) {
  const text = readFileSync(join(repo, 'packaging/debian/changelog'), 'utf8');
  const top = /^certloop \(([^)]+)\)/.exec(text)?.[1];
  if (top === version) {
    const date = /^ -- .+? {2}(.+)$/m.exec(text)?.[1];
    return { text, date: new Date(date) };
  }
  const date = process.env.SOURCE_DATE_EPOCH
    ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000)
    : new Date();
  date.setUTCMilliseconds(0);
  const entry = [
    `${PACKAGE} (${version}) unstable; urgency=medium`,
    '',
    `  * Build of commit ${commit}.`,
    '    packaging/debian/changelog has no entry for this version yet.',
    '',
    ` -- ${maintainer}  ${debianDate(date)}`,
    '',
    '',
  ].join('\n');
  return { text: entry + text, date };
}

/** Runs the executable: its version line (which names the Node.js inside) and a check of the example manifest. */
function probeExecutable(executable, repo) {
  const line = run(executable, ['--version']).trim();
  const match = /^certloop (\S+) \(commit (\S+), node (v[\d.]+)\)$/.exec(line);
  if (!match) throw new Error(`${executable} --version printed an unexpected line: ${line}`);
  const manifest = join(repo, 'packaging/debian/certloop.yaml');
  run(executable, ['validate', '-f', manifest]);
  // The commented example certificate in it must validate too, once uncommented.
  const lines = readFileSync(manifest, 'utf8').split('\n');
  const start = lines.indexOf('# certificates:');
  if (start < 0) throw new Error(`${manifest} has no commented "# certificates:" example`);
  const example = [
    ...lines.slice(0, start).filter((l) => l !== 'certificates: []'),
    ...lines
      .slice(start)
      .filter((l) => l.startsWith('#'))
      .map((l) => l.replace(/^# ?/, '')),
  ].join('\n');
  const scratch = mkdtempSync(join(tmpdir(), 'certloop-example-'));
  try {
    writeFileSync(join(scratch, 'certloop.yaml'), example);
    const out = run(executable, ['validate', '-f', join(scratch, 'certloop.yaml')]);
    if (!/valid: 1 certificate/.test(out))
      throw new Error(`the example certificate did not validate: ${out}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { version: match[1], commit: match[2], node: match[3] };
}

/** The Depends field, from the libraries the executable links (dpkg-shlibdeps needs a debian/control). */
function shlibDepends(staging, binary) {
  mkdirSync(join(staging, 'debian'), { recursive: true });
  writeFileSync(
    join(staging, 'debian/control'),
    `Source: ${PACKAGE}\n\nPackage: ${PACKAGE}\nArchitecture: ${ARCH}\n`,
  );
  const out = run('dpkg-shlibdeps', ['-O', '-e', relative(staging, binary)], { cwd: staging });
  const depends = /^shlibs:Depends=(.*)$/m.exec(out)?.[1];
  if (!depends) throw new Error(`dpkg-shlibdeps gave no Depends:\n${out}`);
  rmSync(join(staging, 'debian'), { recursive: true });
  return depends;
}

/**
 * Builds `<outDir>/certloop_<version>_amd64.deb` and returns its path.
 * @param {{ repo: string, executable: string, version?: string, outDir: string, nodeLicense?: string,
 *   xzLevel?: number }} options
 *   version defaults to packages/cli/package.json's; nodeLicense to the one of the Node.js running this;
 *   xzLevel (0-9, default 6, dpkg-deb's) trades size for time (about 70 s at 6 for the 90 MB executable).
 */
export async function buildDeb({ repo, executable, version, outDir, nodeLicense, xzLevel = 6 }) {
  repo = resolve(repo);
  executable = resolve(executable);
  outDir = resolve(outDir);
  version ??= JSON.parse(readFileSync(join(repo, 'packages/cli/package.json'), 'utf8')).version;
  if (!/^[0-9][A-Za-z0-9.+~]*$/.test(version)) throw new Error(`not a native Debian version: ${version}`);
  requireTools();
  if (!existsSync(executable)) throw new Error(`${executable} does not exist`);
  const buildInfoPath = join(repo, 'dist/sea/build-info.json');
  if (!existsSync(buildInfoPath)) throw new Error(`${buildInfoPath} is missing: run \`pnpm build\` first`);
  const buildInfo = JSON.parse(readFileSync(buildInfoPath, 'utf8'));
  if (buildInfo.schemaPath && buildInfo.schemaPath !== SCHEMA) {
    throw new Error(
      `the executable expects its schema at ${buildInfo.schemaPath}, the package installs ${SCHEMA}`,
    );
  }

  const debian = join(repo, 'packaging/debian');
  const probe = probeExecutable(executable, repo);
  const controlTemplate = readFileSync(join(debian, 'control'), 'utf8').trimEnd();
  const maintainer = /^Maintainer: (.+)$/m.exec(controlTemplate)?.[1];
  const changelog = changelogFor(repo, version, maintainer, probe.commit);

  const staging = mkdtempSync(join(tmpdir(), 'certloop-deb-'));
  const root = join(staging, PACKAGE);
  try {
    mkdirSync(root, { mode: 0o755 });
    copy(root, 'usr/bin/certloop', executable, 0o755);
    for (const unit of UNITS) copy(root, `lib/systemd/system/${unit}`, join(debian, unit));
    copy(root, 'etc/certloop/certloop.yaml', join(debian, 'certloop.yaml'));
    copy(root, 'etc/certloop/issuer.env', join(debian, 'issuer.env'));
    mkdirSync(join(root, 'var/lib/certloop'), { recursive: true });
    copy(root, SCHEMA.slice(1), join(repo, 'packages/core/schema/certloop-v1.schema.json'));

    const model = await loadCliModel(repo);
    const date = changelog.date.toISOString().slice(0, 10);
    put(root, 'usr/share/man/man1/certloop.1.gz', gzip9n(renderManPage(model, { version, date })));
    put(root, 'usr/share/bash-completion/completions/certloop', renderBashCompletion(model));
    put(root, 'usr/share/zsh/vendor-completions/_certloop', renderZshCompletion(model));

    const doc = 'usr/share/doc/certloop';
    copy(root, `${doc}/README.md`, join(repo, 'README.md'));
    for (const file of readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md'))) {
      copy(root, `${doc}/${file}`, join(repo, 'docs', file));
    }
    for (const file of readdirSync(join(repo, 'examples/v1'))) {
      copy(root, `${doc}/examples/${file}`, join(repo, 'examples/v1', file));
    }
    put(root, `${doc}/changelog.gz`, gzip9n(changelog.text));
    put(
      root,
      `${doc}/copyright`,
      renderCopyright({
        packages: buildInfo.packages,
        certloopParagraph: readFileSync(join(debian, 'copyright.certloop'), 'utf8'),
        nodeVersion: probe.node,
        nodeLicense: findNodeLicense(nodeLicense),
      }),
    );
    copy(root, 'usr/share/lintian/overrides/certloop', join(debian, 'lintian-overrides'));

    const state = join(root, 'var/lib/certloop');
    fixDirectoryModes(root, new Set([state]));
    chmodSync(state, 0o700);

    const depends = shlibDepends(staging, join(root, 'usr/bin/certloop'));
    const control = `${controlTemplate.replace(
      /^Architecture: .*$/m,
      (line) => `Version: ${version}\n${line}`,
    )}\n`.replace(
      /^Maintainer: .*$/m,
      (line) => `${line}\nInstalled-Size: ${installedSize(root)}\nDepends: ${depends}`,
    );
    put(root, 'DEBIAN/control', control);
    put(root, 'DEBIAN/conffiles', `${CONFFILES.join('\n')}\n`);
    put(root, 'DEBIAN/md5sums', md5sums(root, new Set(CONFFILES)));
    for (const script of ['postinst', 'prerm', 'postrm'])
      copy(root, `DEBIAN/${script}`, join(debian, script), 0o755);
    chmodSync(join(root, 'DEBIAN'), 0o755);

    mkdirSync(outDir, { recursive: true });
    const deb = join(outDir, `${PACKAGE}_${version}_${ARCH}.deb`);
    run('dpkg-deb', ['--root-owner-group', '-Zxz', `-z${xzLevel}`, '--build', root, deb], {
      env: { ...process.env, SOURCE_DATE_EPOCH: String(Math.floor(changelog.date.getTime() / 1000)) },
    });
    return deb;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function main() {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const { values } = parseArgs({
    options: {
      executable: { type: 'string', default: join(repo, 'dist/certloop-linux-x64') },
      version: { type: 'string' },
      out: { type: 'string', default: join(repo, 'dist') },
      'node-license': { type: 'string' },
      'xz-level': { type: 'string', default: '6' },
    },
  });
  const deb = await buildDeb({
    repo,
    executable: values.executable,
    version: values.version,
    outDir: values.out,
    nodeLicense: values['node-license'],
    xzLevel: Number(values['xz-level']),
  });
  process.stdout.write(`${deb}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`deb: ${error.message}\n`);
    process.exit(1);
  });
}
