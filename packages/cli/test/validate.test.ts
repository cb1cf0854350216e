import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/run.js';

const REPO = join(__dirname, '..', '..', '..');
const INVALID = join(REPO, 'examples', 'invalid');

describe('certloop validate', () => {
  it('accepts the Phoenix manifest with its 4 certificates', async () => {
    const result = await runCli(['validate', '-f', join(REPO, 'manifests', 'certificate-manifest.json')]);
    expect(result).toMatchObject({ code: 0, stdout: 'valid: 4 certificates (legacy format)\n' });
  });

  it('prints the problems as data with --json', async () => {
    const result = await runCli(['validate', '--json', '-f', join(INVALID, 'legacy-mode-0999.json')]);
    expect(result.code).toBe(3);
    const parsed = JSON.parse(result.stdout) as {
      valid: boolean;
      problems: { entry?: number; field?: string }[];
    };
    expect(parsed.valid).toBe(false);
    expect(parsed.problems).toEqual([expect.objectContaining({ entry: 0, field: 'permissions' })]);
  });
});

describe('the size guard on --file', () => {
  const phoenix = join(REPO, 'manifests', 'certificate-manifest.json');

  it('refuses a manifest over --max-manifest-size with exit 3 and says what to do, before parsing it', async () => {
    const bytes = (await stat(phoenix)).size;
    const result = await runCli(['validate', '-f', phoenix, '--max-manifest-size', String(bytes - 1)]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`is ${(bytes / 2 ** 20).toFixed(1)} MiB, more than the`);
    expect(result.stderr).toContain('raise the limit with --max-manifest-size');
  });

  it('reads a manifest exactly at the limit, and takes sizes with units', async () => {
    const bytes = (await stat(phoenix)).size;
    expect((await runCli(['validate', '-f', phoenix, '--max-manifest-size', String(bytes)])).code).toBe(0);
    expect((await runCli(['validate', '-f', phoenix, '--max-manifest-size', '1MiB'])).code).toBe(0);
  });

  it('refuses a size that is not one with exit 3', async () => {
    const result = await runCli(['validate', '-f', phoenix, '--max-manifest-size', 'big']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('"big" is not a size.');
  });
});

describe('every malformed example', () => {
  let files: string[] = [];
  let scratch: string;

  beforeAll(async () => {
    files = (await readdir(INVALID)).sort();
    scratch = await mkdtemp(join(tmpdir(), 'certloop-invalid-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('is a dozen kinds of mistake at least', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  it('exits 3 on validate, plan and reconcile, names where the problem is, prints no stack, writes nothing', async () => {
    for (const file of files) {
      const manifest = join(INVALID, file);
      for (const args of [
        ['validate', '-f', manifest],
        ['plan', '-f', manifest, '--local-ca', join(scratch, 'ca'), '--state-dir', join(scratch, 'state')],
        [
          'reconcile',
          '--once',
          '-f',
          manifest,
          '--local-ca',
          join(scratch, 'ca'),
          '--state-dir',
          join(scratch, 'state'),
        ],
      ]) {
        const result = await runCli(args);
        expect({ file, args: args[0], code: result.code }).toEqual({ file, args: args[0], code: 3 });
        // Every problem line names the file and a place in it (entry/field, or line:column for syntax errors).
        expect(result.stderr).toMatch(new RegExp(`${file.replace('.', '\\.')}(:\\d+:\\d+)?: error: `));
        expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
      }
    }
    expect(await readdir(scratch)).toEqual([]);
  });
});
