/**
 * The data set: one throwaway local CA (certloop's own layout, so `--local-ca`
 * trusts it), a pool of EC P-256 leaves with 1-4 DNS SANs signed by its
 * intermediate, and legacy manifests naming the first N of them. Kept under
 * .cache/bench/ and extended or rebuilt only when needed.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bitString,
  bool,
  explicit,
  octets,
  oid,
  seq,
  set,
  subjectDerOf,
  time,
  tlv,
  uint,
  utf8,
} from './der.js';
import { dist } from './paths.js';

const FORMAT = 3; // bump when the layout or the certificates change
const DAY = 86_400_000;
const LIFETIME_DAYS = 90;
/** Rebuilt when older than this: the plan runs with --renew-before 30 days. */
const MAX_AGE_DAYS = 30;
/** Flags that make the legacy manifest's fixed 24h/12h match the data set. */
export const LIFETIME_FLAGS = ['--duration', `${LIFETIME_DAYS * 24}h`, '--renew-before', '720h'];

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

export function commonNameOf(i) {
  return `svc-${String(i).padStart(5, '0')}.bench.certloop.test`;
}

/** 1 to 4 DNS names, the common name first (as the manifest lists them). */
export function sansOf(i) {
  const cn = commonNameOf(i);
  return [cn, ...Array.from({ length: i % 4 }, (_, k) => `alt${k + 1}-${cn}`)];
}

function leafDer({ cn, sans, spki, issuerDer, notBefore, notAfter, caKey }) {
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  serial[0] |= 0x01;
  const extension = (id, critical, value) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
  const tbs = seq(
    explicit(0, uint(Buffer.from([2]))),
    uint(serial),
    ECDSA_SHA256,
    issuerDer,
    seq(time(notBefore), time(notAfter)),
    seq(set(seq(oid('2.5.4.3'), utf8(cn)))),
    spki,
    explicit(
      3,
      seq(
        extension('2.5.29.15', true, bitString(Buffer.from([0x80]))), // digitalSignature
        extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2'))),
        extension('2.5.29.17', false, seq(...sans.map((name) => tlv(0x82, Buffer.from(name))))),
      ),
    ),
  );
  return seq(tbs, ECDSA_SHA256, bitString(sign('sha256', tbs, caKey)));
}

const toPem = (der) =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .replace(/.{64}/g, '$&\n')
    .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;

function readMeta(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Makes sure the pool holds at least `count` certificates and returns where
 * things are. `log` reports progress (generation of 10,000 takes a few seconds).
 */
export async function ensureDataset(root, count, log = () => {}) {
  const metaPath = join(root, 'meta.json');
  let meta = readMeta(metaPath);
  const now = Date.now();
  if (meta !== undefined && (meta.format !== FORMAT || now - meta.createdAt > MAX_AGE_DAYS * DAY)) {
    log('the cached data set is outdated: rebuilding it');
    meta = undefined;
  }
  const caDir = join(root, 'ca');
  if (meta === undefined) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    const { createLocalCaIssuer } = await import(dist('actuators'));
    const issuer = await createLocalCaIssuer({ directory: caDir });
    await issuer.prepare();
    await issuer.close();
    meta = { format: FORMAT, createdAt: now, count: 0 };
    writeFileSync(metaPath, JSON.stringify(meta));
  }
  if (meta.count < count) {
    const started = performance.now();
    const { joinPem } = await import(dist('core'));
    const intermediatePem = readFileSync(join(caDir, 'intermediate_ca.crt'), 'utf8');
    const caKey = createPrivateKey(readFileSync(join(caDir, 'intermediate_ca.key'), 'utf8'));
    const issuerDer = subjectDerOf(new X509Certificate(intermediatePem).raw);
    const notBefore = new Date(meta.createdAt - 5 * 60_000);
    const notAfter = new Date(meta.createdAt + LIFETIME_DAYS * DAY);
    for (let i = meta.count; i < count; i++) {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const der = leafDer({
        cn: commonNameOf(i),
        sans: sansOf(i),
        spki: publicKey.export({ type: 'spki', format: 'der' }),
        issuerDer,
        notBefore,
        notAfter,
        caKey,
      });
      const { cert, key } = filesOf(root, i);
      mkdirSync(join(cert, '..'), { recursive: true });
      // As a legacy cert_path holds it: the leaf, then the intermediates.
      writeFileSync(cert, joinPem(toPem(der), intermediatePem), { mode: 0o640 });
      writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o640 });
      if ((i + 1) % 2000 === 0) log(`generated ${i + 1} certificates`);
    }
    log(
      `generated ${count - meta.count} certificates in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    meta = { ...meta, count };
    writeFileSync(metaPath, JSON.stringify(meta));
  }
  return { root, caDir, count: meta.count };
}

export function filesOf(root, i) {
  const dir = join(root, 'certs', String(Math.floor(i / 1000)).padStart(2, '0'));
  const base = join(dir, String(i).padStart(5, '0'));
  return { cert: `${base}.crt`, key: `${base}.key` };
}

/** A legacy (Phoenix) manifest of the first `n` certificates; written once per n. */
export function legacyManifest(dataset, n) {
  const path = join(dataset.root, 'manifests', `legacy-${n}.json`);
  if (existsSync(path)) return path;
  mkdirSync(join(dataset.root, 'manifests'), { recursive: true });
  const owner = `${process.getuid()}:${process.getgid()}`;
  const entries = Array.from({ length: n }, (_, i) => {
    const sans = sansOf(i);
    const { cert, key } = filesOf(dataset.root, i);
    return {
      common_name: commonNameOf(i),
      // Phoenix left `sans` out when it was only the common name.
      ...(sans.length > 1 ? { sans } : {}),
      cert_path: cert,
      key_path: key,
      owner,
      permissions: '640',
      post_renewal_command: 'true',
    };
  });
  // Compact: 100,000 entries take about 28 MB (certloop reads up to 64 MiB by default).
  writeFileSync(path, `${JSON.stringify(entries)}\n`);
  return path;
}
