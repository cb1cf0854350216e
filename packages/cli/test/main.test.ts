import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../src/main.js';
import { VERSION } from '../src/version.js';
import { captureIo } from './support/capture.js';

describe('certloop command line', () => {
  it('lists every planned command in --help and exits 0', async () => {
    const io = captureIo();
    const code = await main(['--help'], io);
    expect(code).toBe(0);
    for (const command of ['validate', 'plan', 'reconcile', 'status', 'install', 'migrate']) {
      expect(io.out()).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('prints the version of the cli package, the commit (here: source) and the Node.js version', async () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
    for (const flag of ['--version', '-V']) {
      const io = captureIo();
      expect(await main([flag], io)).toBe(0);
      expect(io.out()).toBe(`certloop ${pkg.version} (commit source, node ${process.version})\n`);
    }
  });

  it('treats an unknown option as a usage error (exit 3) and says what was wrong', async () => {
    const io = captureIo();
    const code = await main(['plan', '--no-such-flag', '-f', 'x.json'], io);
    expect(code).toBe(3);
    expect(io.err()).toContain('--no-such-flag');
  });

  it('requires a manifest for plan (exit 3)', async () => {
    const io = captureIo();
    expect(await main(['plan'], io)).toBe(3);
    expect(io.err()).toMatch(/--file/);
  });
});
