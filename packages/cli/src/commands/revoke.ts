import {
  type CurrentCertificate,
  type DesiredCertificate,
  IssuerError,
  parseDuration,
  REVOCATION_REASONS,
  type RevocationOutcome,
  type RevocationReason,
  splitPemBlocks,
  UsageError,
} from '@certloop/core';
import { type ReconcilePorts, reconcileOnce, underLease } from '@certloop/reconciler';
import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { IssuerFlags, LogOptions, ManifestOptions, StateOptions } from '../options.js';
import { renderReport } from '../render/report.js';
import { openRuntime } from '../runtime.js';

export interface RevokeOptions extends ManifestOptions, IssuerFlags, LogOptions, StateOptions {
  name?: string;
  reason?: string;
  /** commander turns --no-reissue into reissue: false. */
  reissue?: boolean;
  json?: boolean;
  lockTimeout?: string;
}

/**
 * `certloop revoke NAME`: revokes the certificate on disk at the CA, then
 * reissues it (one forced pass for that name) unless --no-reissue. A failed
 * revocation leaves every file as it is; one the CA had already made is not a failure.
 */
export const revoke: Handler<RevokeOptions> = async (options, io) => {
  const reason = reasonOf(options.reason);
  const reissue = options.reissue !== false;
  const runtime = await openRuntime(options, io, { purpose: reissue ? 'issue' : 'observe' });
  try {
    const cert = runtime.state.certificates.find((c) => c.name === options.name);
    if (cert === undefined) {
      throw new UsageError(`The manifest ${options.file} has no certificate named "${options.name}".`);
    }
    if (runtime.issuer.revoke === undefined) {
      throw new UsageError(`The issuer ${runtime.issuer.id} cannot revoke certificates.`);
    }
    // Revocation and reissue under one lease: no other reconciler renews the
    // certificate between the two, and none reads the files while they change.
    const { outcome, report } = await underLease(
      runtime.state,
      runtime.ports,
      parseDuration(options.lockTimeout ?? '5m'),
      async (ports, signal) => {
        const current = await currentCertificateOf(cert, ports);
        // The guarded issuer has revoke exactly when the issuer does (checked above).
        const revoked = await ports.issuer.revoke!(current, reason);
        runtime.logger.info(revokedLine(cert.name, revoked, reason), {
          name: cert.name,
          reason,
          outcome: revoked,
        });
        if (!reissue) return { outcome: revoked, report: undefined };
        const reissued = await reconcileOnce(runtime.state, ports, {
          forceNames: [cert.name],
          ignoreBackoff: true,
          signal,
        });
        return { outcome: revoked, report: reissued };
      },
    );
    const done = revokedLine(cert.name, outcome, reason);
    if (report === undefined) {
      io.stdout(
        options.json
          ? `${JSON.stringify({ name: cert.name, outcome, reason }, null, 2)}\n`
          : `${done} Not reissued (--no-reissue).\n`,
      );
      return EXIT.ok;
    }
    io.stdout(
      options.json
        ? `${JSON.stringify({ name: cert.name, outcome, reason, reissue: report }, null, 2)}\n`
        : `${done}\n${renderReport(report, io)}`,
    );
    return report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    await runtime.close();
  }
};

function revokedLine(name: string, outcome: RevocationOutcome, reason: RevocationReason): string {
  return outcome === 'revoked'
    ? `Revoked ${name} (${reason}).`
    : `The certificate of ${name} was already revoked.`;
}

/** The leaf and key on disk, read under the lease. */
async function currentCertificateOf(
  cert: DesiredCertificate,
  ports: ReconcilePorts,
): Promise<CurrentCertificate> {
  const certPath = cert.files.cert ?? cert.files.fullchain;
  const [certificateText, keyPem] = await Promise.all([
    certPath === undefined ? undefined : ports.readCertificate(certPath),
    cert.files.key === undefined ? undefined : ports.readKey(cert.files.key),
  ]);
  const certificatePem = certificateText === undefined ? undefined : splitPemBlocks(certificateText)[0];
  if (certificatePem === undefined || keyPem === undefined) {
    throw new IssuerError(
      'ISSUER_REJECTED',
      `Cannot revoke ${cert.name}: its certificate or key file cannot be read (${[certPath, cert.files.key].filter(Boolean).join(', ')}).`,
      { retryable: false },
    );
  }
  return { certificatePem, keyPem };
}

function reasonOf(raw: string | undefined): RevocationReason {
  if (raw === undefined) return 'unspecified';
  if (Object.hasOwn(REVOCATION_REASONS, raw)) return raw as RevocationReason;
  throw new UsageError(
    `--reason ${raw} is not a revocation reason; use one of ${Object.keys(REVOCATION_REASONS).join(', ')}.`,
  );
}
