import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IssuerError, type StepCaIssuerConfig } from '@certloop/core';
import {
  createStepCaIssuer,
  mergeStepCaSettings,
  readStepDefaults,
  resolveStepCaSettings,
  type StepCaSources,
  stepPathOf,
} from '../../src/issuers/index.js';
import { tempDir } from './support/builders.js';

const FP_A = 'a'.repeat(64);
const FP_B = 'b'.repeat(64);

const manifest: StepCaIssuerConfig = {
  type: 'step-ca',
  id: 'main',
  url: 'https://manifest-ca:9000',
  root: '/manifest/root.crt',
  provisioner: 'manifest-prov',
  passwordFile: '/manifest/pw',
};
const defaults = {
  caUrl: 'https://defaults-ca:9000',
  root: '/steppath/certs/root_ca.crt',
  fingerprint: FP_B,
};
const env = {
  STEP_CA_URL: 'https://env-ca:9000',
  STEP_ROOT: '/env/root.crt',
  STEP_PROVISIONER: 'env-prov',
  STEP_PROVISIONER_PASSWORD_FILE: '/env/pw',
};
const flags = {
  caUrl: 'https://flag-ca:9000/',
  root: '/flag/root.crt',
  provisioner: 'flag-prov',
  passwordFile: '/flag/pw',
};

function sources(overrides: Partial<StepCaSources>): StepCaSources {
  return { flags: {}, env: {}, ...overrides };
}

function missingError(s: StepCaSources): IssuerError {
  try {
    mergeStepCaSettings(s, {});
  } catch (error) {
    return error as IssuerError;
  }
  throw new Error('expected an error');
}

describe('Step-CA settings precedence', () => {
  it.each([
    [
      'flags win over everything',
      sources({ flags, env, manifest }),
      'https://flag-ca:9000',
      'flag-prov',
      '/flag/pw',
      '/flag/root.crt',
    ],
    [
      'the environment wins over the manifest and defaults.json',
      sources({ env, manifest }),
      'https://env-ca:9000',
      'env-prov',
      '/env/pw',
      '/env/root.crt',
    ],
    [
      'the manifest wins over defaults.json',
      sources({ manifest }),
      'https://manifest-ca:9000',
      'manifest-prov',
      '/manifest/pw',
      '/manifest/root.crt',
    ],
  ])('%s', (_, s, caUrl, provisioner, passwordFile, root) => {
    expect(mergeStepCaSettings(s, defaults)).toEqual({ caUrl, provisioner, passwordFile, root });
  });

  it('takes whatever is left from defaults.json', () => {
    const settings = mergeStepCaSettings(
      sources({ flags: { provisioner: 'p', passwordFile: '/pw' } }),
      defaults,
    );

    expect(settings).toEqual({
      caUrl: 'https://defaults-ca:9000',
      root: '/steppath/certs/root_ca.crt',
      fingerprint: FP_B,
      provisioner: 'p',
      passwordFile: '/pw',
    });
  });

  it('mixes fields from different layers, field by field', () => {
    const settings = mergeStepCaSettings(
      sources({ flags: { provisioner: 'flag-prov' }, env: { STEP_CA_URL: 'https://env-ca:9000' }, manifest }),
      defaults,
    );

    expect(settings.provisioner).toBe('flag-prov');
    expect(settings.caUrl).toBe('https://env-ca:9000');
    expect(settings.passwordFile).toBe('/manifest/pw');
  });

  it('takes root and fingerprint together from the highest layer naming either', () => {
    const settings = mergeStepCaSettings(
      sources({ env: { STEP_FINGERPRINT: FP_A }, flags: { provisioner: 'p', passwordFile: '/pw' } }),
      defaults,
    );

    expect(settings.fingerprint).toBe(FP_A);
    expect(settings.root).toBeUndefined();
  });

  it('accepts the CLI flag name provisionerPasswordFile', () => {
    const settings = mergeStepCaSettings(sources({ flags: { provisionerPasswordFile: '/alias/pw' } }), {
      ...defaults,
      provisioner: 'p',
    });

    expect(settings.passwordFile).toBe('/alias/pw');
  });

  it('ignores empty values as if unset', () => {
    const settings = mergeStepCaSettings(
      sources({ flags: { caUrl: '' }, env: { STEP_CA_URL: ' ' }, manifest }),
      {},
    );

    expect(settings.caUrl).toBe('https://manifest-ca:9000');
  });

  it('normalizes the fingerprint as step prints it with colons and capitals', () => {
    const colons = FP_A.toUpperCase().match(/../g)?.join(':') ?? '';
    const settings = mergeStepCaSettings(
      sources({ flags: { ...flags, root: undefined, fingerprint: colons } }),
    );

    expect(settings.fingerprint).toBe(FP_A);
  });
});

describe('Step-CA settings problems', () => {
  it('lists every missing piece with the flag and variable that supply it', () => {
    const error = missingError(sources({}));

    expect(error).toBeInstanceOf(IssuerError);
    expect(error.code).toBe('ISSUER_CONFIG');
    for (const piece of [
      '--ca-url or STEP_CA_URL',
      '--root or STEP_ROOT',
      '--fingerprint or STEP_FINGERPRINT',
      '--provisioner or STEP_PROVISIONER',
      '--provisioner-password-file or STEP_PROVISIONER_PASSWORD_FILE',
    ]) {
      expect(error.message).toContain(piece);
    }
  });

  it('lists only what is missing', () => {
    const error = missingError(
      sources({ flags: { caUrl: 'https://ca:9000', root: '/r', provisioner: 'p' } }),
    );

    expect(error.message).toBe(
      'The Step-CA issuer is missing the provisioner password file (--provisioner-password-file or STEP_PROVISIONER_PASSWORD_FILE).',
    );
  });

  it('needs only the URL and the trust anchor to observe (plan, status), not the credentials', () => {
    const settings = mergeStepCaSettings(
      sources({ flags: { caUrl: 'https://ca:9000', root: '/r' } }),
      {},
      'observe',
    );
    expect(settings).toEqual({ caUrl: 'https://ca:9000', root: '/r' });

    const error = (() => {
      try {
        mergeStepCaSettings(sources({ flags: { provisioner: 'p' } }), {}, 'observe');
      } catch (caught) {
        return caught as IssuerError;
      }
      throw new Error('expected an error');
    })();
    expect(error.message).toContain('--ca-url or STEP_CA_URL');
    expect(error.message).not.toContain('--provisioner-password-file');
  });

  it('refuses to issue with settings resolved only to observe, naming the missing flags', async () => {
    // No server, no root file read: the credentials are checked before anything else.
    const issuer = await createStepCaIssuer({ caUrl: 'https://127.0.0.1:1', fingerprint: FP_A });
    const error = await issuer
      .issue({
        name: 'a',
        commonName: 'a.test',
        sans: { dns: ['a.test'], ip: [], email: [], uri: [] },
        keyAlgorithm: 'ecdsa-p256',
        lifetimeMs: 3_600_000,
      })
      .then(
        () => undefined,
        (caught: unknown) => caught as IssuerError,
      );
    await issuer.close();
    expect(error).toBeInstanceOf(IssuerError);
    expect(error?.message).toBe(
      'Issuing from the Step-CA needs the provisioner name (--provisioner or STEP_PROVISIONER) and the provisioner password file (--provisioner-password-file or STEP_PROVISIONER_PASSWORD_FILE).',
    );
  });

  it.each([
    ['a URL that is not https', { caUrl: 'http://ca:9000' }, 'must use https'],
    ['a malformed URL', { caUrl: 'not a url' }, 'is not a valid URL'],
    [
      'a fingerprint that is not SHA-256',
      { root: undefined, fingerprint: 'abc' },
      'is not a SHA-256 fingerprint',
    ],
  ])('rejects %s', (_, override, text) => {
    expect(() => mergeStepCaSettings(sources({ flags: { ...flags, ...override } }))).toThrow(text);
  });
});

describe('$STEPPATH', () => {
  it('defaults to ~/.step and follows $STEPPATH', () => {
    expect(stepPathOf({ env: { HOME: '/home/u' } })).toBe('/home/u/.step');
    expect(stepPathOf({ env: { HOME: '/home/u', STEPPATH: '/etc/step' } })).toBe('/etc/step');
    expect(stepPathOf({ env: { STEPPATH: '/etc/step' }, stepPath: '/explicit' })).toBe('/explicit');
  });

  it('reads ca-url, root and fingerprint from config/defaults.json', async () => {
    const dir = await tempDir('steppath');
    try {
      await mkdir(join(dir.path, 'config'));
      await writeFile(
        join(dir.path, 'config', 'defaults.json'),
        JSON.stringify({
          'ca-url': 'https://ca:9000',
          fingerprint: FP_A,
          root: 'certs/root_ca.crt',
          unrelated: 1,
        }),
      );

      expect(await readStepDefaults(dir.path)).toEqual({
        caUrl: 'https://ca:9000',
        fingerprint: FP_A,
        root: join(dir.path, 'certs/root_ca.crt'),
      });
      const settings = await resolveStepCaSettings({
        flags: { provisioner: 'p', passwordFile: '/pw' },
        env: { STEPPATH: dir.path },
      });
      expect(settings.caUrl).toBe('https://ca:9000');
    } finally {
      await dir.cleanup();
    }
  });

  it('treats a missing defaults.json as no defaults, and an invalid one as an error', async () => {
    const dir = await tempDir('steppath');
    try {
      expect(await readStepDefaults(dir.path)).toEqual({});
      await mkdir(join(dir.path, 'config'));
      await writeFile(join(dir.path, 'config', 'defaults.json'), '{ nope');
      await expect(readStepDefaults(dir.path)).rejects.toThrow('defaults.json is not valid JSON');
    } finally {
      await dir.cleanup();
    }
  });
});
