import { IssuerError, splitPemBlocks } from '@certloop/core';
import type { PassContext, WorkResult } from './context.js';

/**
 * Files certloop wrote for an orphan, minus any path a current certificate
 * still declares. With `revokePruned` the certificate is revoked first, and a
 * revocation that fails (thrown) leaves every file and the record in place.
 */
export async function removeOrphan(ctx: PassContext, name: string): Promise<WorkResult> {
  const provenance = ctx.provenance.get(name);
  if (ctx.options.revokePruned === true) await revokeOrphan(ctx, name);
  const inUse = new Set(ctx.desired.certificates.flatMap((c) => Object.values(c.files)));
  const paths = Object.values(provenance?.files ?? {}).filter(
    (p): p is string => p !== undefined && !inUse.has(p),
  );
  if (paths.length > 0) await ctx.ports.removeFiles(paths);
  await ctx.ports.provenance.remove(name);
  return { outcome: 'changed', filesWritten: false };
}

async function revokeOrphan(ctx: PassContext, name: string): Promise<void> {
  const { ports } = ctx;
  const files = ctx.provenance.get(name)?.files ?? {};
  const certPath = files.cert ?? files.fullchain;
  const revoke = ports.issuer.revoke?.bind(ports.issuer);
  if (revoke === undefined) {
    throw new IssuerError(
      'ISSUER_CONFIG',
      `Cannot revoke ${name}: the issuer ${ports.issuer.id} cannot revoke.`,
      {
        retryable: false,
      },
    );
  }
  const [certificateText, keyPem] = await Promise.all([
    certPath === undefined ? undefined : ports.readCertificate(certPath),
    files.key === undefined ? undefined : ports.readKey(files.key),
  ]);
  const certificatePem = certificateText === undefined ? undefined : splitPemBlocks(certificateText)[0];
  if (certificatePem === undefined || keyPem === undefined) {
    throw new IssuerError(
      'ISSUER_REJECTED',
      `Cannot revoke ${name} before pruning it: its certificate or key file cannot be read; its files are kept.`,
      { retryable: false },
    );
  }
  const outcome = await revoke({ certificatePem, keyPem }, 'cessationOfOperation');
  ports.logger.info(
    outcome === 'revoked'
      ? `Revoked the certificate of ${name} before pruning it.`
      : `The certificate of ${name} was already revoked; pruning it.`,
    { name },
  );
}
