import {
  type CurrentCertificate,
  decorateIssuer,
  type IssuedCertificate,
  type IssueRequest,
  type Issuer,
  type IssuerCall,
  type RevocationOutcome,
  type TrustMaterial,
} from '@certloop/core';

const TRUST: TrustMaterial = { roots: [], intermediates: [] } as unknown as TrustMaterial;
const ISSUED = { certificatePem: 'leaf', serial: '1' } as unknown as IssuedCertificate;
const REQUEST = { name: 'web' } as unknown as IssueRequest;
const CURRENT = { certificatePem: 'leaf', keyPem: 'key' } as unknown as CurrentCertificate;

/** Like the real issuers: a class, so its methods live on the prototype and a spread would lose them. */
class RenewingIssuer implements Issuer {
  readonly id = 'test:renewing';
  readonly calls: string[] = [];
  async trust() {
    this.calls.push('trust');
    return TRUST;
  }
  async issue() {
    this.calls.push('issue');
    return ISSUED;
  }
  async renew(_current: CurrentCertificate, _request: IssueRequest, rekey: boolean) {
    this.calls.push(rekey ? 'rekey' : 'renew');
    return ISSUED;
  }
  async revoke(): Promise<RevocationOutcome> {
    this.calls.push('revoke');
    return 'revoked';
  }
  async prepare() {
    this.calls.push('prepare');
  }
  async close() {
    this.calls.push('close');
  }
}

class SigningOnlyIssuer implements Issuer {
  readonly id = 'test:signing';
  async trust() {
    return TRUST;
  }
  async issue() {
    return ISSUED;
  }
  async close() {}
}

describe('decorateIssuer', () => {
  it('forwards every method of a class instance, optional capabilities included', async () => {
    const inner = new RenewingIssuer();
    const outer = decorateIssuer(inner, {});
    expect(outer.id).toBe(inner.id);
    await outer.trust();
    await outer.issue(REQUEST);
    await outer.renew?.(CURRENT, REQUEST, false);
    await outer.renew?.(CURRENT, REQUEST, true);
    await outer.revoke?.(CURRENT, 'superseded');
    await outer.prepare?.();
    await outer.close();
    expect(inner.calls).toEqual(['trust', 'issue', 'renew', 'rekey', 'revoke', 'prepare', 'close']);
  });

  it('leaves a capability absent when the inner issuer lacks it, so callers can still ask', () => {
    const outer = decorateIssuer(new SigningOnlyIssuer(), { call: (_kind, next) => next() });
    expect(outer.renew).toBeUndefined();
    expect(outer.revoke).toBeUndefined();
    expect(outer.prepare).toBeUndefined();
  });

  it('passes each request to the CA through the decoration, which may refuse it', async () => {
    const inner = new RenewingIssuer();
    const seen: IssuerCall[] = [];
    const outer = decorateIssuer(inner, {
      call(kind, next) {
        seen.push(kind);
        if (kind === 'revoke') return Promise.reject(new Error('refused'));
        return next();
      },
      trust: async (next) => next(),
    });
    await outer.issue(REQUEST);
    await outer.renew?.(CURRENT, REQUEST, false);
    await expect(outer.revoke?.(CURRENT, 'keyCompromise')).rejects.toThrow('refused');
    expect(seen).toEqual(['issue', 'renew', 'revoke']);
    expect(inner.calls).toEqual(['issue', 'renew']);
  });
});
