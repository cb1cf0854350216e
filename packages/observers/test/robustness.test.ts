import { join } from 'node:path';
import { observeCertificate } from '@certloop/observers';
import fc from 'fast-check';
import {
  aCa,
  aCert,
  aDesiredCertificate,
  aTempDir,
  signedBy,
  writeFileAt,
} from '../../x509/test/builders.js';

test('arbitrary bytes in the certificate and key files give a typed observation, never a throw', async () => {
  const dir = await aTempDir();
  try {
    const root = await aCa();
    const leaf = await aCert(signedBy(root));
    const trust = { rootsPem: root.certPem, intermediatesPem: '' };
    const desired = aDesiredCertificate(dir.path, {
      files: { cert: 'cert.pem', key: 'key.pem', chain: 'chain.pem', fullchain: 'full.pem' },
    });
    const content = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc
        .tuple(fc.nat(2000), fc.string({ maxLength: 20 }))
        .map(([cut, tail]) => Buffer.from(leaf.certPem.slice(0, cut % leaf.certPem.length) + tail)),
      fc.nat(400).map((cut) => Buffer.from(leaf.keyPem.slice(0, cut))),
    );
    await fc.assert(
      fc.asyncProperty(content, content, content, async (cert, key, chain) => {
        await writeFileAt(join(dir.path, 'cert.pem'), cert);
        await writeFileAt(join(dir.path, 'key.pem'), key);
        await writeFileAt(join(dir.path, 'chain.pem'), chain);
        await writeFileAt(join(dir.path, 'full.pem'), Buffer.concat([cert, chain]));
        const observed = await observeCertificate(desired, { trust });
        expect(observed.certificate !== undefined || observed.certificateError !== undefined).toBe(true);
        expect(observed.key !== undefined || observed.keyError !== undefined).toBe(true);
      }),
      { numRuns: 60 },
    );
  } finally {
    await dir.cleanup();
  }
});
