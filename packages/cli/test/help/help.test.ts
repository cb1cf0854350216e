/**
 * Help that teaches: every command's --help shows examples, its exit codes
 * and the environment variables it reads (from COMMAND_HELP, the table the
 * man page generator reads too). Colour: off when not a terminal, on with
 * FORCE_COLOR, off again with --no-color, which every command accepts.
 */
import { rmSync } from 'node:fs';
import { COMMAND_HELP, COMMAND_NAMES } from '../../src/command-help.js';
import { type LocalWorkspace, localWorkspace } from '../status/support.js';
import { runCli } from '../support/run.js';

jest.setTimeout(60_000);

const ESC = '\u001b[';

describe.each(COMMAND_NAMES)('certloop %s --help', (name) => {
  it('shows examples, exit codes and environment variables', async () => {
    const result = await runCli([name, '--help']);
    expect(result.code).toBe(0);
    const help = COMMAND_HELP[name];
    expect(help.examples.length).toBeGreaterThan(0);
    for (const [line] of help.examples) expect(result.stdout).toContain(`  ${line}`);
    const exitCodes = result.stdout.slice(result.stdout.indexOf('Exit codes:'));
    for (const [code, meaning] of help.exitCodes)
      expect(exitCodes).toMatch(new RegExp(`^ {2}${code} +${escapeRegExp(meaning)}$`, 'm'));
    const environment = result.stdout.slice(result.stdout.indexOf('Environment:'));
    for (const [variable] of help.environment)
      expect(environment).toMatch(new RegExp(`^ {2}${variable} `, 'm'));
    expect(result.stdout).toMatch(/^ {2}--no-color +no colour/m);
  });
});

test('the status and plan exit codes in --help are the ones they return (2: not Ready / changes)', () => {
  expect(COMMAND_HELP.status.exitCodes.map(([code]) => code)).toEqual([0, 1, 2, 3]);
  expect(COMMAND_HELP.plan.exitCodes.map(([code]) => code)).toEqual([0, 1, 2, 3]);
});

describe('colour', () => {
  let ws: LocalWorkspace;
  beforeAll(async () => {
    ws = await localWorkspace('certloop-colour-');
    await ws.writeManifest([{ name: 'web' }]);
  });
  afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

  const plan = (extra: string[] = [], env: Record<string, string> = {}) =>
    runCli(['plan', '-f', ws.manifest, ...extra], env);

  it('is off when the output is not a terminal', async () => {
    const result = await plan();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  + web: issue');
    expect(result.stdout).not.toContain(ESC);
  });

  it('is on with FORCE_COLOR, even into a pipe', async () => {
    const result = await plan([], { FORCE_COLOR: '1' });
    expect(result.stdout).toContain(`${ESC}32m  +${ESC}0m`);
  });

  it('is off with --no-color (after the command, as users type it), whatever FORCE_COLOR says', async () => {
    const result = await plan(['--no-color'], { FORCE_COLOR: '1' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  + web: issue');
    expect(result.stdout).not.toContain(ESC);
  });

  it('is off with FORCE_COLOR=0 and with NO_COLOR', async () => {
    expect((await plan([], { FORCE_COLOR: '0' })).stdout).not.toContain(ESC);
    expect((await plan([], { NO_COLOR: '1' })).stdout).not.toContain(ESC);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
