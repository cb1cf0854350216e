/**
 * The command line's definition: every command, argument and option, with its
 * help text. Built by `main` for parsing, and by the packaging scripts for the
 * man page and the shell completions, so that those cannot drift from it.
 */
import type { Command as CommandType } from 'commander';
import type { Io } from './io.js';
import { versionLine } from './version.js';

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
    .option('--renew-before <duration>', 'default renewal point before expiry, e.g. 12h')
    .option(
      '--max-manifest-size <size>',
      'refuse a larger --file, a guard against naming the wrong file (default 64MiB)',
    );
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

/** The names of certloop's commands, in the order `--help` lists them. */
export const COMMAND_NAMES = [
  'validate',
  'plan',
  'reconcile',
  'status',
  'revoke',
  'install',
  'migrate',
  'export',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** What each command's --help teaches beyond its options; plain data, so the man page generator reads it too. */
export interface CommandHelp {
  /** [command line, what it does] */
  readonly examples: readonly (readonly [string, string])[];
  /** [exit code, meaning] */
  readonly exitCodes: readonly (readonly [number, string])[];
  /** [variable, meaning] */
  readonly environment: readonly (readonly [string, string])[];
}

const ISSUER_ENVIRONMENT: readonly (readonly [string, string])[] = [
  ['STEP_CA_URL', 'Step-CA URL (as --ca-url)'],
  ['STEP_ROOT', 'Step-CA root certificate file (as --root)'],
  ['STEP_FINGERPRINT', 'Step-CA root fingerprint (as --fingerprint)'],
  [
    'STEPPATH',
    'the step CLI directory whose config/defaults.json supplies missing settings (default ~/.step)',
  ],
];
const CREDENTIAL_ENVIRONMENT: readonly (readonly [string, string])[] = [
  ['STEP_PROVISIONER', 'JWK provisioner name (as --provisioner)'],
  ['STEP_PROVISIONER_PASSWORD_FILE', 'provisioner password file (as --provisioner-password-file)'],
];
const STATE_ENVIRONMENT: readonly (readonly [string, string])[] = [
  ['XDG_STATE_HOME', 'state directory base when not root and without --state-dir (root: /var/lib/certloop)'],
];
const LOG_ENVIRONMENT: readonly (readonly [string, string])[] = [
  [
    'JOURNAL_STREAM',
    'set by systemd when stderr is the journal: each log line starts with its syslog priority (<3> ...)',
  ],
];
const SERVICE_ENVIRONMENT: readonly (readonly [string, string])[] = [
  ['NOTIFY_SOCKET', 'set by systemd for Type=notify: READY=1 after the first pass, STOPPING=1 on SIGTERM'],
  ['WATCHDOG_USEC', "set by systemd's WatchdogSec=: WATCHDOG=1 pings at half the interval"],
  [
    'CREDENTIALS_DIRECTORY',
    "set by systemd's LoadCredential=: the password is read from its provisioner-password file",
  ],
];
const OUTPUT_ENVIRONMENT: readonly (readonly [string, string])[] = [
  ['NO_COLOR', 'no colour, even on a terminal'],
  ['FORCE_COLOR', 'colour even when the output is not a terminal (0 turns it off); --no-color wins'],
];
const CONFIGURATION_ERROR = 'usage error, invalid manifest or issuer settings (nothing was done)';

export const COMMAND_HELP: Readonly<Record<CommandName, CommandHelp>> = {
  validate: {
    examples: [
      ['certloop validate -f /etc/certloop/certloop.yaml', 'report every problem of a manifest at once'],
      ['certloop validate -f certificate-manifest.json --json', 'the problems as JSON, for an editor or CI'],
    ],
    exitCodes: [
      [0, 'the manifest is valid (warnings may be printed)'],
      [3, 'the manifest is invalid, or a usage error'],
    ],
    environment: OUTPUT_ENVIRONMENT,
  },
  plan: {
    examples: [
      ['certloop plan -f /etc/certloop/certloop.yaml', 'what reconcile would change, and why'],
      [
        'certloop plan -f certloop.yaml --detailed-exitcode || [ $? -eq 2 ] && echo drift',
        'exit 2 when something would change',
      ],
      ['certloop plan -f certloop.yaml --json | jq .summary', 'the plan as data'],
    ],
    exitCodes: [
      [0, 'nothing to change (or changes, without --detailed-exitcode)'],
      [1, 'could not observe (the state directory cannot be read, ...)'],
      [2, 'with --detailed-exitcode: something would change'],
      [3, CONFIGURATION_ERROR],
    ],
    environment: [...ISSUER_ENVIRONMENT, ...STATE_ENVIRONMENT, ...LOG_ENVIRONMENT, ...OUTPUT_ENVIRONMENT],
  },
  reconcile: {
    examples: [
      ['certloop reconcile --once -f /etc/certloop/certloop.yaml', 'one pass: converge, then exit'],
      ['certloop reconcile --once -f certloop.yaml --local-ca ./ca', "use certloop's built-in local CA"],
      [
        'certloop reconcile -f /etc/certloop/certloop.yaml --metrics-addr 127.0.0.1:9464',
        'the service: renews on schedule, serves /metrics, /healthz, /readyz',
      ],
    ],
    exitCodes: [
      [0, 'converged (--once), or the service stopped cleanly'],
      [1, 'something failed (a certificate, a hook, the lock)'],
      [3, CONFIGURATION_ERROR],
    ],
    environment: [
      ...ISSUER_ENVIRONMENT,
      ...CREDENTIAL_ENVIRONMENT,
      ...STATE_ENVIRONMENT,
      ...SERVICE_ENVIRONMENT,
      ...LOG_ENVIRONMENT,
      ...OUTPUT_ENVIRONMENT,
    ],
  },
  status: {
    examples: [
      ['certloop status -f /etc/certloop/certloop.yaml', 'every certificate: Ready or why not'],
      ['certloop status -f certloop.yaml --not-ready', 'only what needs attention'],
      [
        "certloop status -f certloop.yaml --json | jq -r '.certificates[] | select(.ready | not) | .name'",
        'names of the certificates that are not Ready',
      ],
      [
        'certloop status -f certloop.yaml --html /var/www/certloop.html',
        'the status page, for a one-shot run',
      ],
    ],
    exitCodes: [
      [0, 'every certificate is Ready'],
      [1, 'could not observe'],
      [2, 'at least one certificate is not Ready'],
      [3, CONFIGURATION_ERROR],
    ],
    environment: [...ISSUER_ENVIRONMENT, ...STATE_ENVIRONMENT, ...LOG_ENVIRONMENT, ...OUTPUT_ENVIRONMENT],
  },
  revoke: {
    examples: [
      [
        'certloop revoke web -f /etc/certloop/certloop.yaml --reason keyCompromise',
        'revoke the certificate of web at the CA, then issue a new one',
      ],
      ['certloop revoke old -f certloop.yaml --no-reissue', 'revoke only'],
    ],
    exitCodes: [
      [0, 'revoked (and reissued, unless --no-reissue)'],
      [1, 'the CA refused or could not be reached (files untouched), or the reissue failed'],
      [3, CONFIGURATION_ERROR],
    ],
    environment: [
      ...ISSUER_ENVIRONMENT,
      ...CREDENTIAL_ENVIRONMENT,
      ...STATE_ENVIRONMENT,
      ...LOG_ENVIRONMENT,
      ...OUTPUT_ENVIRONMENT,
    ],
  },
  install: {
    examples: [
      [
        'certloop install web -f /mnt/shared/certloop.yaml --cert /etc/ssl/web.pem --key /etc/ssl/web.key --wait 60',
        'copy certificate web to local paths once it is valid and consistent',
      ],
    ],
    exitCodes: [
      [0, 'installed, or already up to date'],
      [1, 'not installable after --wait seconds, or the copy failed'],
      [3, 'usage error or invalid manifest'],
    ],
    environment: OUTPUT_ENVIRONMENT,
  },
  migrate: {
    examples: [
      [
        'certloop migrate -f certificate-manifest.json -o /etc/certloop/certloop.yaml',
        'convert a legacy manifest to the v1 format',
      ],
    ],
    exitCodes: [
      [0, 'converted'],
      [3, 'the legacy manifest is invalid, or a usage error'],
    ],
    environment: OUTPUT_ENVIRONMENT,
  },
  export: {
    examples: [
      [
        'certloop export -f /etc/certloop/certloop.yaml --namespace certs -o certificates.yaml',
        'the manifest as cert-manager Certificates',
      ],
      [
        'certloop export -f certloop.yaml --issuer-object acme | kubectl apply -f -',
        'with an ACME issuer for the same Step-CA',
      ],
    ],
    exitCodes: [
      [0, 'written'],
      [1, 'the output could not be written'],
      [3, 'invalid manifest or usage error'],
    ],
    environment: [...ISSUER_ENVIRONMENT, ...OUTPUT_ENVIRONMENT],
  },
};

function section(title: string, rows: readonly (readonly [string | number, string])[]): string[] {
  if (rows.length === 0) return [];
  const width = Math.max(...rows.map(([key]) => String(key).length));
  return ['', `${title}:`, ...rows.map(([key, text]) => `  ${String(key).padEnd(width)}  ${text}`)];
}

/** The text after a command's options: examples, exit codes, environment. */
export function helpAfter(name: CommandName): string {
  const help = COMMAND_HELP[name];
  const examples = help.examples.flatMap(([line, what]) => [`  # ${what}`, `  ${line}`]);
  return [
    '',
    'Examples:',
    ...examples,
    ...section('Exit codes', help.exitCodes),
    ...section('Environment', help.environment),
    '',
  ].join('\n');
}

/** The command the user chose, with its parsed options and arguments. */
export type Selected = { name: string; options: Record<string, unknown>; args: readonly string[] };

export async function buildProgram(io: Io, run: (selected: Selected) => void): Promise<CommandType> {
  const { Command } = await import('commander');
  const program = new Command('certloop')
    .description('Declarative certificate reconciliation: make the files on disk match the manifest.')
    .version(
      versionLine(),
      '-V, --version',
      'print the version, the commit it was built from and the Node.js inside',
    )
    .option('--no-color', 'no colour in the output, even on a terminal (also NO_COLOR)')
    // Each command's --help lists --no-color too (commands inherit this setting).
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  const add = (name: CommandName, description: string, configure: (c: CommandType) => CommandType) => {
    const command = configure(program.command(name).description(description));
    command.addHelpText('after', helpAfter(name));
    command.exitOverride().action((...args: unknown[]) => {
      const self = args[args.length - 1] as CommandType;
      run({ name, options: self.optsWithGlobals(), args: self.args });
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
        '--revoke',
        'with --prune: revoke each pruned certificate first; a failed revocation keeps its files',
      )
      .option(
        '--generate-only',
        'issue and write, but leave deliveries into guests and hooks pending for a later pass',
      )
      .option('--json', 'print the result as JSON')
      .option('--concurrency <n>', 'certificates worked on at once', '4')
      .option('--lock-timeout <duration>', 'how long to wait for another reconciler to finish', '5m')
      .option(
        '--metrics-addr <host:port>',
        'serve the status page (/), Prometheus metrics, /healthz and /readyz (service mode)',
      )
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
  add('status', 'show whether every certificate is Ready, and why not', (c) =>
    commonOptions(issuerOptions(manifestOptions(c)))
      .option('--json', 'print the status as a versioned JSON document')
      .option('--not-ready', 'list only the certificates that are not Ready (the summary counts all)')
      .option('--html <file>', 'also write the status page (HTML, with the expiry timeline) to <file>'),
  );
  add('revoke', 'revoke the current certificate of NAME at the CA, then reissue it', (c) =>
    commonOptions(issuerOptions(manifestOptions(c)))
      .argument('<name>', 'certificate name in the manifest')
      .option(
        '--reason <reason>',
        'RFC 5280 reason: unspecified, keyCompromise, caCompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise',
        'unspecified',
      )
      .option('--no-reissue', 'revoke only; leave the files as they are')
      .option('--json', 'print the result as JSON')
      .option('--lock-timeout <duration>', 'how long to wait for another reconciler to finish', '5m'),
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
  add('export', 'write the manifest as objects of another system (cert-manager Certificates)', (c) =>
    issuerOptions(manifestOptions(c))
      .option('--format <format>', 'what to write: cert-manager', 'cert-manager')
      .option('-o, --output <file>', 'write to a file instead of stdout')
      .option('--namespace <namespace>', 'Kubernetes namespace of the Certificates')
      .option(
        '--issuer-kind <kind>',
        'kind of the issuer the Certificates name (Issuer, ClusterIssuer, ...)',
        'ClusterIssuer',
      )
      .option('--issuer-name <name>', 'name of that issuer', 'step-ca')
      .option('--issuer-group <group>', 'API group of that issuer (default cert-manager.io)')
      .option(
        '--issuer-object <kind>',
        'also write the issuer for the same Step-CA: acme (cert-manager ACME) or step-issuer (smallstep)',
      )
      .option(
        '--acme-provisioner <name>',
        "step-ca's ACME provisioner, with --issuer-object acme (default acme)",
      )
      .option('--provisioner-kid <kid>', "the JWK provisioner's key id, with --issuer-object step-issuer"),
  );
  return program;
}
