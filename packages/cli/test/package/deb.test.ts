/**
 * The Debian package from `pnpm package`, installed, upgraded, removed and
 * purged with dpkg on this machine, as root (CI runs as root).
 *
 * systemd is not PID 1 here. The maintainer scripts only talk to systemd when
 * /run/systemd/system exists, so every dpkg run happens in a private mount
 * namespace where /run is a fresh tmpfs holding /run/systemd/system, with
 * stand-in `systemctl` and `deb-systemd-invoke` first on PATH (dpkg passes
 * PATH through to maintainer scripts) that log their arguments: the test sees
 * exactly what the scripts asked systemd to do, and the real systemd (if any)
 * is never touched. `systemd-analyze verify` needs no running systemd: it loads
 * the units in a test manager, and only needs the executables they name.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildProgram } from '../../src/program.js';

const REPO = join(__dirname, '..', '..', '..', '..');
const DIST = join(REPO, 'dist');
const MANIFEST = '/etc/certloop/certloop.yaml';
const SETTINGS = '/etc/certloop/issuer.env';
const STATE = '/var/lib/certloop';
const SERVICE_UNIT = '/lib/systemd/system/certloop.service';
const UNITS = [
  SERVICE_UNIT,
  '/lib/systemd/system/certloop-once.service',
  '/lib/systemd/system/certloop-once.timer',
];
const TIMER_LINK = '/etc/systemd/system/timers.target.wants/certloop-once.timer';

type Result = { code: number | null; stdout: string; stderr: string };

function run(command: string, args: string[]): Result {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    code: result.status,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? String(result.error ?? ''),
  };
}

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** The package to test: $CERTLOOP_DEB, else the newest dist/certloop_*_amd64.deb. */
function findDeb(): string | undefined {
  if (process.env.CERTLOOP_DEB) return process.env.CERTLOOP_DEB;
  if (!existsSync(DIST)) return undefined;
  const debs = readdirSync(DIST)
    .filter((file) => /^certloop_.+_amd64\.deb$/.test(file))
    .map((file) => join(DIST, file))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return debs[0];
}

/** Why the test cannot run here, shown in its title; undefined when it can. */
function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'installing a package needs root';
  if (!has('dpkg')) return 'no dpkg on this machine';
  return undefined;
}

const reason = skipReason();
const describeHere = reason === undefined ? describe : describe.skip;
if (reason !== undefined) {
  // The reason a test is skipped must be visible in the log, not only in its title.
  console.warn(`packages/cli/test/package/deb.test.ts skipped: ${reason}`);
}

jest.setTimeout(300_000);

function status(): string {
  return run('dpkg-query', ['-W', '-f', `\${Status}`, 'certloop']).stdout.trim();
}

/** Purges certloop (outside any namespace: with no /run/systemd/system the scripts call no systemctl). */
function purge(): void {
  if (status() !== '' && !status().endsWith('not-installed')) {
    const result = run('dpkg', ['--purge', 'certloop']);
    if (result.code !== 0) throw new Error(`dpkg --purge certloop failed:\n${result.stderr}${result.stdout}`);
  }
}

describeHere(`the Debian package${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let deb: string;
  let work: string;
  let stubLog: string;
  let timerLinkDirCreated = false;

  /**
   * Runs a shell command as if systemd were running: a private mount namespace
   * with a fresh /run holding /run/systemd/system, and the logging stand-ins
   * first on PATH. Returns what dpkg printed and what the scripts asked systemd.
   */
  function withSystemd(script: string): Result & { systemd: string[] } {
    writeFileSync(stubLog, '');
    const setUp = `mount -t tmpfs -o size=1m,mode=0755 tmpfs /run && mkdir -p /run/systemd/system && PATH="${join(work, 'stubs')}:$PATH" exec sh -c "$1"`;
    const result = run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', setUp, 'sh', script]);
    const systemd = readFileSync(stubLog, 'utf8').split('\n').filter(Boolean);
    return { ...result, systemd };
  }

  function dpkg(...args: string[]): ReturnType<typeof withSystemd> {
    const result = withSystemd(`dpkg ${args.map((arg) => `'${arg}'`).join(' ')}`);
    if (result.code !== 0)
      throw new Error(`dpkg ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
    return result;
  }

  beforeAll(() => {
    const found = findDeb();
    // The test command builds the package first: as root, a missing one is a failure, not a skip.
    if (found === undefined || !existsSync(found)) {
      throw new Error(
        `No Debian package to test (${found ?? 'dist/certloop_*_amd64.deb'} is missing): \`pnpm package\` builds it, or set CERTLOOP_DEB.`,
      );
    }
    for (const tool of ['lintian', 'systemd-analyze', 'unshare', 'man']) {
      if (!has(tool)) throw new Error(`${tool} is missing: run \`bash scripts/deps/packaging.sh\`.`);
    }
    deb = resolve(found);
    purge();
    work = mkdtempSync(join(tmpdir(), 'certloop-deb-test-'));
    stubLog = join(work, 'systemd.log');
    mkdirSync(join(work, 'stubs'));
    for (const tool of ['systemctl', 'deb-systemd-invoke']) {
      const stub = join(work, 'stubs', tool);
      writeFileSync(stub, `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >> '${stubLog}'\n`);
      chmodSync(stub, 0o755);
    }
  });

  afterAll(() => {
    purge();
    if (lstatSafe(TIMER_LINK)) rmSync(TIMER_LINK, { force: true });
    if (timerLinkDirCreated && readdirSync(join(TIMER_LINK, '..')).length === 0)
      rmdirSync(join(TIMER_LINK, '..'));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('passes lintian with no errors', () => {
    const result = run('lintian', ['--display-info', '--display-experimental', '--pedantic', deb]);
    const errors = result.stdout.split('\n').filter((line) => line.startsWith('E: '));
    // lintian exits 0 when it ran and found no error; otherwise show why.
    expect({ code: result.code, errors, stderr: result.code === 0 ? '' : result.stderr }).toEqual({
      code: 0,
      errors: [],
      stderr: '',
    });
    // It did check this package: the overrides shipped with it were applied.
    // (A separate run: with --show-overrides, lintian exits 2 for overridden errors.)
    expect(run('lintian', ['--show-overrides', deb]).stdout).toMatch(/^O: certloop: embedded-library /m);
  });

  it('installs with dpkg -i, asking systemd only to reload its units: nothing is enabled or started', () => {
    const result = dpkg('-i', deb);
    expect(status()).toBe('install ok installed');
    expect(result.systemd).toEqual(['systemctl --system daemon-reload']);
    const enabled = [
      'multi-user.target.wants/certloop.service',
      'timers.target.wants/certloop-once.timer',
    ].filter((link) => lstatSafe(join('/etc/systemd/system', link)));
    expect(enabled).toEqual([]);
  });

  it('installs /usr/bin/certloop, which prints its version, commit and Node.js', () => {
    const result = run('/usr/bin/certloop', ['--version']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^certloop \d+\.\d+\.\d+\S* \(commit \S+, node v20\.\d+\.\d+\)\n$/);
    const stat = statSync('/usr/bin/certloop');
    expect({ mode: (stat.mode & 0o7777).toString(8), uid: stat.uid, gid: stat.gid }).toEqual({
      mode: '755',
      uid: 0,
      gid: 0,
    });
  });

  it('installs units that systemd-analyze verify accepts, and verify catches a broken unit here', () => {
    const result = run('systemd-analyze', ['verify', ...UNITS]);
    expect({ code: result.code, output: `${result.stdout}${result.stderr}`.trim() }).toEqual({
      code: 0,
      output: '',
    });

    // The same check must fail on this machine for a unit whose command is missing.
    const broken = join(work, 'certloop-broken.service');
    writeFileSync(
      broken,
      readFileSync(SERVICE_UNIT, 'utf8').replace('/usr/bin/certloop ', '/usr/bin/certloop-missing '),
    );
    const control = run('systemd-analyze', ['verify', broken]);
    expect(control.code).not.toBe(0);
    expect(control.stderr).toContain('certloop-missing');
  });

  it('keeps state in /var/lib/certloop (root, 0700) and the manifest and settings as conffiles', () => {
    const state = statSync(STATE);
    expect({
      dir: state.isDirectory(),
      mode: (state.mode & 0o7777).toString(8),
      uid: state.uid,
      gid: state.gid,
    }).toEqual({
      dir: true,
      mode: '700',
      uid: 0,
      gid: 0,
    });
    const conffiles = run('dpkg-query', ['--control-show', 'certloop', 'conffiles'])
      .stdout.split('\n')
      .filter(Boolean);
    expect(conffiles.sort()).toEqual([MANIFEST, SETTINGS].sort());
    for (const file of [MANIFEST, SETTINGS]) {
      const stat = statSync(file);
      expect({ file, mode: (stat.mode & 0o7777).toString(8), uid: stat.uid }).toEqual({
        file,
        mode: '644',
        uid: 0,
      });
    }
    expect(existsSync('/usr/share/certloop/certloop-v1.schema.json')).toBe(true);
  });

  it('ships an example manifest that the installed certloop validates', () => {
    const result = run('/usr/bin/certloop', ['validate', '-f', MANIFEST]);
    expect(result).toMatchObject({ code: 0, stdout: 'valid: 0 certificates (v1 format)\n' });
  });

  it('ships a man page that renders without warnings and documents every command and option of the CLI', async () => {
    const page = '/usr/share/man/man1/certloop.1.gz';
    const rendered = run('man', ['--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', page]);
    expect({ code: rendered.code, warnings: rendered.stderr }).toEqual({ code: 0, warnings: '' });

    const source = gunzipSync(readFileSync(page)).toString('utf8');
    const program = await buildProgram(
      { stdout() {}, stderr() {}, isTTY: false, color: false, env: {} },
      () => {},
    );
    const missing: string[] = [];
    for (const command of program.commands) {
      if (!source.includes(`.SS "${command.name()}"`)) missing.push(command.name());
      for (const option of command.options) {
        const long = (option.long ?? '').replace(/-/g, '\\-');
        if (!source.includes(`\\fB${long}\\fR`)) missing.push(`${command.name()} ${option.long}`);
      }
    }
    expect(missing).toEqual([]);
    for (const section of [
      'NAME',
      'SYNOPSIS',
      'DESCRIPTION',
      'COMMANDS',
      'EXIT STATUS',
      'ENVIRONMENT',
      'FILES',
      'SEE ALSO',
    ]) {
      expect(source).toContain(`.SH ${section}`);
    }
  });

  it('ships a bash completion that completes commands and their options', () => {
    const complete = (line: string) =>
      execFileSync(
        'bash',
        [
          '-c',
          `source /usr/share/bash-completion/bash_completion
source /usr/share/bash-completion/completions/certloop
COMP_LINE="$1"; COMP_POINT=\${#COMP_LINE}; read -ra COMP_WORDS <<<"$1"
[[ $1 == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _certloop; printf '%s\\n' "\${COMPREPLY[@]}"`,
          'complete',
          line,
        ],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter(Boolean);
    expect(complete('certloop re')).toEqual(['reconcile', 'revoke']);
    expect(complete('certloop plan --de')).toEqual(['--detailed-exitcode']);
    expect(complete('certloop install --key-')).toEqual(['--key-mode']);
    expect(existsSync('/usr/share/zsh/vendor-completions/_certloop')).toBe(true);
  });

  it('upgrades to a higher version, keeping the edited manifest and the state, and restarts a running service', () => {
    const edited = `${readFileSync(MANIFEST, 'utf8')}# edited by the operator\n`;
    writeFileSync(MANIFEST, edited);
    writeFileSync(join(STATE, 'status.json'), '{"kept":true}\n');

    // A second package from the same executable, with a higher version, built as `pnpm package` builds.
    const installed = run('dpkg-query', ['-W', '-f', `\${Version}`, 'certloop']).stdout.trim();
    const higher = `${installed}+upgradetest1`;
    const executable = join(work, 'certloop');
    execFileSync('cp', ['/usr/bin/certloop', executable]);
    const built = execFileSync(
      process.execPath,
      [
        join(REPO, 'scripts/package/deb.mjs'),
        '--executable',
        executable,
        '--version',
        higher,
        '--out',
        work,
        '--xz-level',
        '0',
      ],
      { encoding: 'utf8' },
    ).trim();
    expect(built).toBe(join(work, `certloop_${higher}_amd64.deb`));

    const result = dpkg('-i', built);
    expect(run('dpkg-query', ['-W', '-f', `\${Version} \${Status}`, 'certloop']).stdout).toBe(
      `${higher} install ok installed`,
    );
    expect(readFileSync(MANIFEST, 'utf8')).toBe(edited);
    expect(readFileSync(join(STATE, 'status.json'), 'utf8')).toBe('{"kept":true}\n');
    expect((statSync(STATE).mode & 0o7777).toString(8)).toBe('700');
    expect(result.systemd).toEqual([
      'systemctl --system daemon-reload',
      'deb-systemd-invoke try-restart certloop.service',
    ]);
  });

  it('removes with dpkg -r, stopping the units and keeping the conffiles and the state', () => {
    const edited = readFileSync(MANIFEST, 'utf8');
    const result = dpkg('-r', 'certloop');
    expect(status()).toBe('deinstall ok config-files');
    expect(existsSync('/usr/bin/certloop')).toBe(false);
    expect(readFileSync(MANIFEST, 'utf8')).toBe(edited);
    expect(existsSync(SETTINGS)).toBe(true);
    expect(readFileSync(join(STATE, 'status.json'), 'utf8')).toBe('{"kept":true}\n');
    expect(result.systemd).toEqual([
      'deb-systemd-invoke stop certloop-once.timer certloop.service certloop-once.service',
      'systemctl --system daemon-reload',
    ]);
  });

  it('purges with dpkg -P, deleting the state, the conffiles and the link left by enabling the timer', () => {
    // As `systemctl enable certloop-once.timer` leaves it.
    if (!existsSync(join(TIMER_LINK, '..'))) {
      mkdirSync(join(TIMER_LINK, '..'), { recursive: true });
      timerLinkDirCreated = true;
    }
    symlinkSync('/lib/systemd/system/certloop-once.timer', TIMER_LINK);

    const result = dpkg('-P', 'certloop');
    expect(status()).toMatch(/^$|not-installed$/);
    expect([STATE, MANIFEST, SETTINGS, '/etc/certloop'].filter((path) => existsSync(path))).toEqual([]);
    expect(lstatSafe(TIMER_LINK)).toBe(false);
    expect(result.systemd).toEqual(['systemctl --system daemon-reload']);
  });
});

function lstatSafe(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
