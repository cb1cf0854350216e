import { readFile } from 'node:fs/promises';
import { type DesiredState, joinPem, loadManifest, silentLogger, UsageError } from '@certloop/core';
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
import type { Io } from '../io.js';
import { openIssuer } from '../wiring.js';

/**
 * The issuer's roots for `--ca` when the entry declares no CA bundle (a legacy
 * entry: a Docker guest still needs its ca.pem): `--root FILE` as given, else
 * what the issuer named by the flags or environment trusts (`--ca-url` with
 * `--fingerprint`, `--local-ca DIR`). Reading roots needs no credentials.
 */
async function issuerRoots(state: DesiredState, flags: InstallFlags, io: Io, name: string): Promise<Buffer> {
  if (flags.root !== undefined && flags.caUrl === undefined && io.env.STEP_CA_URL === undefined) {
    return readFile(flags.root);
  }
  const named =
    flags.caUrl ??
    flags.localCa ??
    flags.fingerprint ??
    io.env.STEP_CA_URL ??
    io.env.STEP_ROOT ??
    state.issuer;
  if (named === undefined) {
    throw new UsageError(
      `The certificate "${name}" declares no CA bundle file, and no issuer names the roots for --ca.`,
      {
        hint: "Give the issuer's root with --root FILE (or --ca-url with --fingerprint, or --local-ca DIR).",
      },
    );
  }
  const issuer = await openIssuer(state, flags, io.env, silentLogger, { purpose: 'observe' });
  try {
    // The bytes certloop writes to CA bundle files.
    return Buffer.from(joinPem((await issuer.trust()).rootsPem));
  } finally {
    await issuer.close();
  }
}

/**
 * `certloop install NAME`: copy a certificate certloop placed on shared
 * storage to local paths, for a consumer inside a guest. Exit 0 installed or
 * already up to date; 1 not installable after --wait seconds (missing,
 * mismatched pair, untrusted, expired) or the copy failed; 3 usage or manifest.
 */
export const install: Handler<InstallFlags> = async (flags, io) => {
  const request = parseInstallFlags(flags);
  const { state } = await loadManifest(request.manifest);
  const declared = sharedSourceOf(findCertificate(state.certificates, request.name));
  const source =
    request.local.caPath !== undefined && declared.caPath === undefined
      ? { ...declared, roots: await issuerRoots(state, flags, io, declared.name) }
      : declared;
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
