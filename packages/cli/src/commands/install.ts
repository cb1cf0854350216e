import { loadManifest, UsageError } from '@certloop/core';
import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';
import {
  copySnapshot,
  findCertificate,
  type InstallFlags,
  parseInstallFlags,
  sharedSourceOf,
  waitForInstallable,
} from '../install/index.js';

/**
 * `certloop install NAME`: copy a certificate certloop placed on shared
 * storage to local paths, for a consumer inside a guest. Exit 0 installed or
 * already up to date; 1 not installable after --wait seconds (missing,
 * mismatched pair, untrusted, expired) or the copy failed; 3 usage or manifest.
 */
export const install: Handler<InstallFlags> = async (flags, io) => {
  const request = parseInstallFlags(flags);
  const { state } = await loadManifest(request.manifest);
  const source = sharedSourceOf(findCertificate(state.certificates, request.name));
  if (request.local.caPath !== undefined && source.caPath === undefined) {
    throw new UsageError(`--ca was given, but the certificate "${source.name}" declares no caBundle file.`);
  }
  const result = await waitForInstallable(source, {
    waitMs: request.waitMs,
    onWaiting: (reason) => io.stderr(`certloop: waiting for ${source.name}: ${reason}\n`),
  });
  if (!result.ok) {
    io.stderr(`certloop: ${source.name} is not installable: ${result.reason}\n`);
    return EXIT.failed;
  }
  const { written } = await copySnapshot(result.snapshot, request.local);
  const { serial, notAfter } = result.verdict;
  io.stdout(
    written.length === 0
      ? `${source.name}: already up to date (serial ${serial}, valid until ${notAfter}).\n`
      : `${source.name}: installed serial ${serial} (valid until ${notAfter}) to ${written.join(', ')}.\n`,
  );
  return EXIT.ok;
};
