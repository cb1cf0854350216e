/**
 * Baseline (b): the least a Node program must do to look at the certificates
 * of a legacy manifest: read each cert_path and parse it with node:crypto,
 * SANs and expiry included. Sequential and synchronous (the fastest way for
 * this much work on one thread). Prints its own loop time, start-up excluded.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

const started = performance.now();
const entries = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let sans = 0;
let valid = 0;
const now = Date.now();
for (const entry of entries) {
  const certificate = new X509Certificate(readFileSync(entry.cert_path));
  sans += (certificate.subjectAltName ?? '').split(', ').length;
  if (Date.parse(certificate.validTo) > now) valid++;
}
const loopMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ count: entries.length, valid, sans, loopMs })}\n`);
