/**
 * The command line's definition: every command, argument and option, with its
 * help text. Built by `main` for parsing, and by the packaging scripts for the
 * man page and the shell completions, so that those cannot drift from it.
 * The text after each command's options is command-help.ts.
 */
import type { Command as CommandType } from 'commander';
import { type CommandName, helpAfter } from './command-help.js';
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
    .option(
      '--coordination <backend>',
      'how reconcilers take turns: file (lease in the state directory) or etcd',
    )
    .option('--etcd-endpoints <urls>', 'etcd client URLs, comma-separated (implies --coordination etcd)')
    .option('--etcd-ca <file>', "CA certificate of etcd's server certificate")
    .option('--etcd-cert <file>', 'client certificate for etcd')
    .option('--etcd-key <file>', 'client private key for etcd')
    .option('--etcd-prefix <prefix>', 'key prefix of the election keys (default /certloop/)')
    .option(
      '--etcd-ttl <duration>',
      'lease TTL: a dead leader is replaced after about this long (default 15s)',
    )
    .option('--log-level <level>', 'error, warn, info or debug', 'info')
    .option('--log-format <format>', 'text or json (default: text on a terminal, json otherwise)');
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
      .option(
        '--lock-timeout <duration>',
        'how long to wait for another reconciler (or the leader) to let go; 0 tries once',
        '5m',
      )
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
