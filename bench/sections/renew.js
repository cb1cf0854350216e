/**
 * The renewal path beside the provisioner path, at the issuer: N certificates
 * that exist, each renewed over mTLS with itself (`/1.0/rekey`: a fresh key,
 * a TLS handshake with the certificate as client identity, no token) against
 * signed anew (`/1.0/sign`: a fresh key, a one-time token, over the kept-alive
 * connection), through the Step-CA issuer both ways at the same concurrency,
 * the order alternating between rounds. In process: the CLI around both is
 * the same and is measured by the issue section.
 */

import { summary } from '../lib/measure.js';
import { dist } from '../lib/paths.js';

const PATHS = ['mtls', 'provisioner'];

function requests(n, round) {
  return Array.from({ length: n }, (_, i) => {
    const name = `r${i}-${round}.renew.bench.test`;
    return {
      name,
      commonName: name,
      sans: { dns: [name], ip: [], email: [], uri: [] },
      keyAlgorithm: 'ecdsa-p256',
      lifetimeMs: 24 * 3_600_000,
    };
  });
}

/** Runs `work` over every item with at most `concurrency` in flight; resolves to the elapsed ms. */
async function timedPool(items, concurrency, work) {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - started;
}

export async function renew({ sizes, rounds, concurrency, log }) {
  const { startStepCa } = await import(dist('testbed'));
  const { createStepCaIssuer } = await import(dist('actuators'));
  const ca = await startStepCa({});
  const issuer = await createStepCaIssuer(
    { caUrl: ca.url, root: ca.rootPath, provisioner: ca.provisioner, passwordFile: ca.passwordFile },
    { concurrency },
  );
  const rows = [];
  try {
    for (const n of sizes) {
      const rates = Object.fromEntries(PATHS.map((p) => [p, []]));
      for (let round = 0; round < rounds; round++) {
        const wanted = requests(n, round);
        // The certificates that exist: issued first, not measured.
        const current = await Promise.all(wanted.map((r) => issuer.issue(r)));
        const pairs = wanted.map((request, i) => ({ request, current: current[i] }));
        const ways = {
          mtls: () =>
            timedPool(pairs, concurrency, ({ request, current: c }) => issuer.renew(c, request, true)),
          provisioner: () => timedPool(pairs, concurrency, ({ request }) => issuer.issue(request)),
        };
        for (const way of round % 2 === 0 ? PATHS : [...PATHS].reverse()) {
          rates[way].push(n / ((await ways[way]()) / 1000));
        }
        log(
          `renew N=${n}: mTLS ${rates.mtls.at(-1).toFixed(0)}/s, provisioner ${rates.provisioner.at(-1).toFixed(0)}/s`,
        );
      }
      rows.push({
        n,
        concurrency,
        rates: { mtls: summary(rates.mtls), provisioner: summary(rates.provisioner) },
        ratio: summary(rates.mtls.map((r, i) => r / rates.provisioner[i])),
      });
    }
  } finally {
    await issuer.close();
    await ca.dispose();
  }
  return { rows };
}
