/**
 * certloop(1), rendered in man(7) macros from the CLI's own definition (see
 * cli-model.mjs): NAME, SYNOPSIS and COMMANDS with every argument and option
 * come from commander; the sections commander does not know (exit status,
 * environment, files) are written here once.
 */

/** Escapes text for roff: backslashes, option dashes, and a leading dot or quote. */
export function roff(text) {
  const escaped = String(text)
    .replace(/\\/g, '\\e')
    // Options ("-f", "--renew-before") are typed: every dash in them is a minus sign, not a hyphen.
    .replace(/(^|[\s([|/"'])(-[\w-]*)/g, (_, before, word) => before + word.replace(/-/g, '\\-'));
  return escaped.replace(/^([.'])/gm, '\\&$1');
}

/** `-f, --file <manifest>` as bold flags and an italic value. */
function optionTerm(option) {
  const names = [option.short, option.long].filter(Boolean).map((name) => `\\fB${roff(name)}\\fR`);
  const value = option.value
    ? option.valueOptional
      ? ` [\\fI${roff(option.value)}\\fR]`
      : ` \\fI${roff(option.value)}\\fR`
    : '';
  return names.join(', ') + value;
}

function sentence(text) {
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return capitalised.endsWith('.') ? capitalised : `${capitalised}.`;
}

function optionText(option) {
  let text = sentence(option.description);
  if (option.mandatory) text += ' Required.';
  if (option.defaultValue !== undefined) text += ` Default: ${option.defaultValue}.`;
  return roff(text);
}

/** The synopsis of one command: its required options and arguments spelled out. */
function synopsis(command) {
  const parts = [`\\fBcertloop ${roff(command.name)}\\fR`];
  for (const option of command.options.filter((o) => o.mandatory)) {
    parts.push(`\\fB${roff(option.short ?? option.long)}\\fR \\fI${roff(option.value ?? '')}\\fR`);
  }
  parts.push('[\\fIoptions\\fR]');
  for (const argument of command.arguments) {
    const name = `\\fI${roff(argument.name)}\\fR${argument.variadic ? '...' : ''}`;
    parts.push(argument.required ? name : `[${name}]`);
  }
  return parts.join(' ');
}

const EXIT_STATUS = [
  [
    '0',
    'Success: the manifest is valid, the plan has no changes (or \\fB\\-\\-detailed\\-exitcode\\fR was not given), or every certificate converged.',
  ],
  [
    '1',
    'Something failed: a certificate could not be issued or placed, a hook failed, the issuer could not be reached, or an internal error.',
  ],
  [
    '2',
    'Changes are pending (\\fBplan \\-\\-detailed\\-exitcode\\fR), or a certificate is not Ready (\\fBstatus\\fR).',
  ],
  [
    '3',
    'Invalid manifest, invalid issuer settings (missing or contradictory, an unreadable or empty password file, a bad root) or invalid usage; nothing was written.',
  ],
];

const ENVIRONMENT = [
  ['STEP_CA_URL', 'URL of the Step-CA, as \\fB\\-\\-ca\\-url\\fR.'],
  ['STEP_ROOT', 'Root certificate file of the Step-CA, as \\fB\\-\\-root\\fR.'],
  ['STEP_FINGERPRINT', 'SHA-256 fingerprint of the root, to bootstrap trust, as \\fB\\-\\-fingerprint\\fR.'],
  ['STEP_PROVISIONER', 'JWK provisioner name, as \\fB\\-\\-provisioner\\fR.'],
  [
    'STEP_PROVISIONER_PASSWORD_FILE',
    'File holding the provisioner password, as \\fB\\-\\-provisioner\\-password\\-file\\fR.',
  ],
  [
    'STEPPATH',
    'Directory of the step CLI configuration; \\fI$STEPPATH/config/defaults.json\\fR supplies issuer settings not given otherwise (default: \\fI~/.step\\fR).',
  ],
  ['HOME', 'Used to find \\fI~/.step\\fR when \\fBSTEPPATH\\fR is unset.'],
  [
    'CREDENTIALS_DIRECTORY',
    "Set by systemd's \\fBLoadCredential=\\fR: the provisioner password is read from its \\fIprovisioner\\-password\\fR file unless an option or \\fBSTEP_PROVISIONER_PASSWORD_FILE\\fR names one.",
  ],
  [
    'NOTIFY_SOCKET',
    'Set by systemd for \\fBType=notify\\fR: READY=1 after the first pass, STOPPING=1 on SIGTERM.',
  ],
  ['WATCHDOG_USEC', "Set by systemd's \\fBWatchdogSec=\\fR: WATCHDOG=1 pings at half the interval."],
  [
    'JOURNAL_STREAM',
    'Set by systemd when stderr is the journal: every log line starts with its syslog priority.',
  ],
  ['NO_COLOR', 'When set, output is never coloured (colour is only used on a terminal).'],
  [
    'FORCE_COLOR',
    'Colour even when the output is not a terminal (0 turns it off); \\fB\\-\\-no\\-color\\fR wins.',
  ],
];

const HOOK_ENVIRONMENT = [
  ['CERTLOOP_NAME', "the certificate's name"],
  ['CERTLOOP_NAMES', 'every certificate the hook runs for, one per line'],
  ['CERTLOOP_COMMON_NAME', 'the subject common name'],
  [
    'CERTLOOP_CERT_PATH, CERTLOOP_KEY_PATH, CERTLOOP_CHAIN_PATH, CERTLOOP_FULLCHAIN_PATH, CERTLOOP_CA_BUNDLE_PATH',
    'the files declared for the certificate',
  ],
  ['CERTLOOP_SERIAL', 'serial number of the certificate now on disk, in lower-case hexadecimal'],
  ['CERTLOOP_NOT_AFTER', 'its expiry, in ISO 8601'],
  ['CERTLOOP_ACTION', 'what was done: issue, reissue, update-files, ...'],
  ['CERTLOOP_REASON', 'the reason codes, comma-separated'],
];

const FILES = [
  [
    '/etc/certloop/certloop.yaml',
    'The manifest the packaged systemd units reconcile (a v1 manifest; a conffile).',
  ],
  [
    '/etc/certloop/issuer.env',
    'Issuer settings (\\fBSTEP_*\\fR variables) read by the packaged units (a conffile).',
  ],
  [
    '/var/lib/certloop',
    'State directory when running as root: the reconcile lock, status and provenance records. Never put certificates here. Removed on purge.',
  ],
  ['/usr/share/certloop/certloop\\-v1.schema.json', 'JSON Schema of the v1 manifest format.'],
  ['/lib/systemd/system/certloop.service', 'The continuous service (\\fBcertloop reconcile\\fR).'],
  ['/lib/systemd/system/certloop\\-once.service', 'One pass (\\fBcertloop reconcile \\-\\-once\\fR).'],
  ['/lib/systemd/system/certloop\\-once.timer', 'Starts \\fBcertloop\\-once.service\\fR every 15 minutes.'],
  [
    '/usr/share/doc/certloop/',
    'The full documentation: manifest format, plan, reconcile guarantees, service, consumers, migration, installation.',
  ],
];

/** A command's examples and exit codes, from COMMAND_HELP in command-help.ts (what its --help shows). */
function commandHelp(help) {
  if (help === undefined) return [];
  const lines = [];
  if (help.examples.length > 0) {
    lines.push('.PP', 'Examples:');
    for (const [command, what] of help.examples) {
      lines.push('.PP', roff(sentence(what)), '.RS', '.nf', roff(command), '.fi', '.RE');
    }
  }
  if (help.exitCodes.length > 0) {
    lines.push('.PP', 'Exit status:', '.RS');
    lines.push(...tagged(help.exitCodes.map(([code, meaning]) => [String(code), roff(sentence(meaning))])));
    lines.push('.RE');
  }
  return lines;
}

function tagged(pairs, font = 'B') {
  return pairs.flatMap(([tag, text]) => ['.TP', `\\f${font}${tag}\\fR`, text]);
}

/**
 * @param {import('./cli-model.mjs').CliModel} model
 * @param {{ version: string, date: string }} meta date as YYYY-MM-DD
 * @returns {string} the man page source
 */
export function renderManPage(model, { version, date }) {
  const lines = [
    `.\\" Generated from the certloop command definitions (packages/cli/src/program.ts)`,
    '.\\" by scripts/package/man.mjs. Do not edit.',
    `.TH CERTLOOP 1 "${date}" "certloop ${roff(version)}" "User Commands"`,
    '.\\" Option names must not be hyphenated nor stretched.',
    '.nh',
    '.ad l',
    '.SH NAME',
    `certloop \\- ${roff(model.description.replace(/\.$/, '').replace(/^./, (c) => c.toLowerCase()))}`,
    '.SH SYNOPSIS',
    '.nf',
    ...model.commands.map((command) => synopsis(command)),
    '\\fBcertloop\\fR \\fB\\-\\-version\\fR',
    '\\fBcertloop\\fR [\\fBhelp\\fR] [\\fIcommand\\fR] | \\fIcommand\\fR \\fB\\-\\-help\\fR',
    '.fi',
    '.SH DESCRIPTION',
    '\\fBcertloop\\fR is a declarative certificate reconciler.',
    'A manifest declares every TLS certificate a host needs: names, files, owner, modes and the commands to run after a renewal.',
    'certloop builds the desired state from the manifest, observes the files actually on disk (present, parseable, expiry, SANs, key, issuer, owner, mode),',
    'plans the difference and acts only on the drift: it issues or reissues a certificate from a Step-CA (or its built-in local CA),',
    'rewrites a CA bundle, fixes a mode or an owner, and runs each post-renewal hook once after all files were written.',
    'Running it twice changes nothing the second time.',
    '.PP',
    'Two manifest formats are read: the legacy Phoenix \\fIcertificate\\-manifest.json\\fR (a JSON list)',
    'and the certloop v1 format (YAML or JSON, \\fBapiVersion: certloop.dev/v1\\fR), described in \\fI/usr/share/doc/certloop/manifest.md\\fR.',
    '.PP',
    'Issuer settings come, in this order of precedence, from the command-line options, the environment (see \\fBENVIRONMENT\\fR),',
    "the manifest's \\fBissuer\\fR section, then \\fI$STEPPATH/config/defaults.json\\fR.",
    '\\fBplan\\fR and \\fBstatus\\fR need only the URL and the root (or its fingerprint).',
    '.SH OPTIONS',
    ...model.options.flatMap((option) => ['.TP', optionTerm(option), optionText(option)]),
    '.SH COMMANDS',
  ];
  for (const command of model.commands) {
    lines.push(`.SS "${roff(command.name)}"`);
    lines.push(`${synopsis(command)}`, '.PP');
    lines.push(roff(sentence(command.description)));
    for (const argument of command.arguments) {
      lines.push('.TP', `\\fI${roff(argument.name)}\\fR`, roff(sentence(argument.description)));
    }
    for (const option of command.options) {
      lines.push('.TP', optionTerm(option), optionText(option));
    }
    lines.push(...commandHelp(command.help));
  }
  lines.push(
    '.SH EXIT STATUS',
    ...tagged(EXIT_STATUS),
    '.SH ENVIRONMENT',
    'Issuer settings; a command-line option takes precedence over its variable.',
    ...tagged(ENVIRONMENT),
    '.PP',
    'Hooks run with \\fI/bin/sh \\-c\\fR and get these variables (values are never interpolated into the command):',
    ...tagged(HOOK_ENVIRONMENT.map(([name, text]) => [name, roff(sentence(text))])),
    '.SH FILES',
    ...tagged(FILES, 'I'),
    '.SH EXAMPLES',
    'Check a manifest, show what would change, then converge once:',
    '.PP',
    '.nf',
    '.RS',
    'certloop validate \\-f /etc/certloop/certloop.yaml',
    'certloop plan \\-f /etc/certloop/certloop.yaml \\-\\-detailed\\-exitcode',
    'certloop reconcile \\-\\-once \\-f /etc/certloop/certloop.yaml',
    '.RE',
    '.fi',
    '.PP',
    'Run the packaged service, or one pass every 15 minutes instead:',
    '.PP',
    '.nf',
    '.RS',
    'systemctl enable \\-\\-now certloop.service',
    'systemctl enable \\-\\-now certloop\\-once.timer',
    '.RE',
    '.fi',
    '.SH SEE ALSO',
    '\\fBsystemctl\\fR(1), \\fBsystemd.service\\fR(5), \\fBsystemd.timer\\fR(5), \\fBsystemd.exec\\fR(5);',
    '\\fI/usr/share/doc/certloop/install.md\\fR and the other documents in \\fI/usr/share/doc/certloop/\\fR.',
  );
  return `${lines.join('\n')}\n`;
}
