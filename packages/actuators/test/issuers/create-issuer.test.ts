import { IssuerError } from '@certloop/core';
import { createIssuer } from '../../src/issuers/index.js';
import { tempDir } from './support/builders.js';

describe('createIssuer', () => {
  it('gives the local CA for a local issuer section', async () => {
    const dir = await tempDir('create-issuer');
    try {
      const issuer = await createIssuer(
        { type: 'local', id: 'local', directory: dir.path },
        { flags: {}, env: {} },
      );
      expect(issuer.id).toBe(`local:${dir.path}`);
      await issuer.close();
    } finally {
      await dir.cleanup();
    }
  });

  it('gives the Step-CA issuer, configured from all sources, for a step-ca section', async () => {
    const dir = await tempDir('create-issuer');
    try {
      const error = await createIssuer(
        { type: 'step-ca', id: 'main', url: 'https://ca.example:9000', root: `${dir.path}/absent.crt` },
        { flags: { provisioner: 'p', passwordFile: '/pw' }, env: {}, stepPath: dir.path },
      ).catch((e: unknown) => e);

      // The root file is read when the issuer is made: proof the manifest's settings were used.
      expect(error).toBeInstanceOf(IssuerError);
      expect((error as IssuerError).message).toContain(
        `Cannot read the Step-CA root certificate ${dir.path}/absent.crt`,
      );
    } finally {
      await dir.cleanup();
    }
  });

  it('configures Step-CA from flags, environment and $STEPPATH alone for legacy manifests', async () => {
    const dir = await tempDir('create-issuer');
    try {
      const error = await createIssuer(undefined, { flags: {}, env: {}, stepPath: dir.path }).catch(
        (e: unknown) => e,
      );

      expect((error as IssuerError).code).toBe('ISSUER_CONFIG');
      expect((error as IssuerError).message).toContain('--ca-url or STEP_CA_URL');
    } finally {
      await dir.cleanup();
    }
  });
});
