import type { Handler } from './command.js';
import { EXIT } from './exit-status.js';
import { type Io, processIo } from './io.js';
import { buildProgram, type Selected } from './program.js';
import { versionLine } from './version.js';

/**
 * Commands are loaded lazily, so `--version`, `--help` and small commands do
 * not pay for x509 parsing, HTTP clients or the logger.
 */
const HANDLERS: Record<string, () => Promise<Handler<never>>> = {
  validate: async () => (await import('./commands/validate.js')).validate as Handler<never>,
  plan: async () => (await import('./commands/plan.js')).plan as Handler<never>,
  reconcile: async () => (await import('./commands/reconcile.js')).reconcile as Handler<never>,
  status: async () => (await import('./commands/status.js')).status as Handler<never>,
  revoke: async () => (await import('./commands/revoke.js')).revoke as Handler<never>,
  install: async () => (await import('./commands/install.js')).install as Handler<never>,
  migrate: async () => (await import('./commands/migrate.js')).migrate as Handler<never>,
  export: async () => (await import('./commands/export.js')).exportManifest as Handler<never>,
};

/** Runs the CLI and resolves to the exit code; never throws, never exits the process. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  // Fast path: no commander, no handlers.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.stdout(`${versionLine()}\n`);
    return EXIT.ok;
  }
  let selected: Selected | undefined;
  try {
    const program = await buildProgram(io, (chosen) => {
      selected = chosen;
    });
    await program.parseAsync([...argv], { from: 'user' });
    if (argv.length === 0) {
      io.stdout(program.helpInformation());
      return EXIT.ok;
    }
  } catch (error) {
    return commanderExit(error);
  }
  if (selected === undefined) return EXIT.ok;
  const load = HANDLERS[selected.name];
  if (!load) return EXIT.invalid;
  try {
    const handler = (await load()) as Handler<object>;
    const options =
      selected.name === 'install' || selected.name === 'revoke'
        ? { ...selected.options, name: selected.args[0] }
        : selected.options;
    // commander turns --no-color into color: false.
    const noColor = selected.options.color === false;
    return await handler(options, noColor ? { ...io, color: false } : io);
  } catch (error) {
    const { reportError } = await import('./exit-codes.js');
    return reportError(error, io);
  }
}

function commanderExit(error: unknown): number {
  if (typeof error === 'object' && error !== null && 'code' in error && 'exitCode' in error) {
    const { code, exitCode } = error as { code: string; exitCode: number };
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
      return EXIT.ok;
    }
    return exitCode === 0 ? EXIT.ok : EXIT.invalid;
  }
  return EXIT.failed;
}
