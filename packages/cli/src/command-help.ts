/**
 * What each command's --help teaches beyond its options: examples, exit
 * codes and the environment it reads. Plain data, so the man page
 * generator (scripts/package/cli-model.mjs) reads the same table.
 */
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
