import type { Command as CommandType } from 'commander';
import type { Handler } from './command.js';
import { EXIT } from './exit-status.js';
import { type Io, processIo } from './io.js';
import { VERSION } from './version.js';

/**
 * Commands are loaded lazily, so `--version`, `--help` and small commands do
 * not pay for x509 parsing, HTTP clients or the logger.
 */
const HANDLERS: Record<string, () => Promise<Handler<never>>> = {
  validate: async () => (await import('./commands/validate.js')).validate as Handler<never>,
  plan: async () => (await import('./commands/plan.js')).plan as Handler<never>,
  reconcile: async () => (await import('./commands/reconcile.js')).reconcile as Handler<never>,
  status: async () => (await import('./commands/status.js')).status as Handler<never>,
  install: async () => (await import('./commands/install.js')).install as Handler<never>,
  migrate: async () => (await import('./commands/migrate.js')).migrate as Handler<never>,
};

function manifestOptions(command: CommandType): CommandType {
  return command
    .requiredOption(
      '-f, --file <manifest>',
      'manifest file (legacy certificate-manifest.json or certloop v1 YAML/JSON)',
    )
    .option(
      '--duration <duration>',
      'default certificate lifetime, e.g. 24h (overrides the manifest defaults)',
    )
    .option('--renew-before <duration>', 'default renewal point before expiry, e.g. 12h');
}

function issuerOptions(command: CommandType): CommandType {
  return command
    .option('--ca-url <url>', 'Step-CA URL (env STEP_CA_URL)')
    .option('--root <file>', 'Step-CA root certificate file (env STEP_ROOT)')
    .option('--fingerprint <sha256>', 'Step-CA root fingerprint, to bootstrap trust (env STEP_FINGERPRINT)')
    .option('--provisioner <name>', 'JWK provisioner name (env STEP_PROVISIONER)')
    .option(
      '--provisioner-password-file <file>',
      'provisioner password file (env STEP_PROVISIONER_PASSWORD_FILE)',
    )
    .option('--local-ca <dir>', "use certloop's built-in local CA kept in <dir> instead of a Step-CA")
    .option('--ca-timeout <duration>', 'deadline of each request to the Step-CA, e.g. 10s (default 30s)');
}

function commonOptions(command: CommandType): CommandType {
  return command
    .option('--state-dir <dir>', 'state directory for locks, status and provenance')
    .option('--log-level <level>', 'error, warn, info or debug', 'info')
    .option('--log-format <format>', 'text or json (default: text on a terminal, json otherwise)');
}

type Selected = { name: string; options: Record<string, unknown>; args: readonly string[] };

async function buildProgram(io: Io, run: (selected: Selected) => void): Promise<CommandType> {
  const { Command } = await import('commander');
  const program = new Command('certloop')
    .description('Declarative certificate reconciliation: make the files on disk match the manifest.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  const add = (name: string, description: string, configure: (c: CommandType) => CommandType) => {
    const command = configure(program.command(name).description(description));
    command.exitOverride().action((...args: unknown[]) => {
      const self = args[args.length - 1] as CommandType;
      run({ name, options: self.opts(), args: self.args });
    });
  };

  add('validate', 'check a manifest and report every problem at once', (c) =>
    manifestOptions(c).option('--json', 'print the result as JSON'),
  );
  add('plan', 'show what reconcile would change, and why; changes nothing', (c) =>
    commonOptions(issuerOptions(manifestOptions(c)))
      .option('--json', 'print the plan as a versioned JSON document')
      .option('--detailed-exitcode', 'exit 2 when the plan has changes'),
  );
  add('reconcile', 'make reality match the manifest (with --once: one pass, then exit)', (c) =>
    commonOptions(issuerOptions(manifestOptions(c)))
      .option('--once', 'run one pass and exit (0 converged, 1 something failed)')
      .option('--force', 'reissue every certificate')
      .option('--prune', 'delete files of certificates that left the manifest (only files certloop wrote)')
      .option(
        '--generate-only',
        'issue and write, but leave deliveries into guests and hooks pending for a later pass',
      )
      .option('--json', 'print the result as JSON')
      .option('--concurrency <n>', 'certificates worked on at once', '4')
      .option('--lock-timeout <duration>', 'how long to wait for another reconciler to finish', '5m')
      .option('--metrics-addr <host:port>', 'serve Prometheus metrics, /healthz and /readyz (service mode)')
      .option('--resync <duration>', 'service: look again at least this often, e.g. 5m (default 5m)')
      .option(
        '--backoff-base <duration>',
        'service: first retry delay after a failure, doubled per failure (default 1m)',
      )
      .option('--backoff-max <duration>', 'service: longest retry delay (default 1h)')
      .option(
        '--shutdown-grace <duration>',
        'service: on SIGTERM, how long a pass in flight may still run (default 20s)',
      ),
  );
  add('status', 'show every certificate: state, expiry, last result', (c) =>
    commonOptions(issuerOptions(manifestOptions(c))).option('--json', 'print the status as JSON'),
  );
  add('install', 'copy a certificate certloop placed on shared storage to local paths, safely', (c) =>
    issuerOptions(c)
      .argument('<name>', 'certificate name in the manifest')
      .requiredOption('-f, --file <manifest>', 'manifest file')
      .requiredOption('--cert <path>', 'local certificate path')
      .requiredOption('--key <path>', 'local key path')
      .option(
        '--ca <path>',
        "local CA bundle path (the entry's CA bundle, else the issuer's roots: --root, --ca-url + --fingerprint, --local-ca)",
      )
      .option('--owner <user:group>', 'owner of the local files')
      .option('--mode <octal>', 'mode of the local certificate and CA bundle (default 0644)')
      .option('--key-mode <octal>', 'mode of the local key (default 0600)')
      .option('--wait <seconds>', 'wait this long for a valid, consistent certificate', '0'),
  );
  add('migrate', 'convert a legacy certificate-manifest.json to the certloop v1 format', (c) =>
    issuerOptions(manifestOptions(c))
      .option('--state-dir <dir>', 'state directory to write into the manifest')
      .option('-o, --output <file>', 'write to a file instead of stdout')
      .option('--schema <ref>', 'JSON Schema reference for the yaml-language-server header'),
  );
  return program;
}

/** Runs the CLI and resolves to the exit code; never throws, never exits the process. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  // Fast path: no commander, no handlers.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.stdout(`${VERSION}\n`);
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
      selected.name === 'install' ? { ...selected.options, name: selected.args[0] } : selected.options;
    return await handler(options, io);
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
