import { IssuerError } from '@certloop/core';
import { backoffDelay, withRetries } from '../../src/issuers/retry.js';

const policy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 250 };
const noSleep = { sleep: async () => {}, random: () => 1 };

describe('retries', () => {
  it('tries a transient failure again, up to the bound', async () => {
    let calls = 0;
    const error = await withRetries(
      'test',
      async () => {
        calls++;
        throw new IssuerError('ISSUER_UNREACHABLE', 'down');
      },
      policy,
      noSleep,
    ).catch((e: unknown) => e);

    expect(calls).toBe(3);
    expect((error as Error).message).toBe('down');
  });

  it('never retries a rejection', async () => {
    let calls = 0;
    await withRetries(
      'test',
      async () => {
        calls++;
        throw new IssuerError('ISSUER_REJECTED', 'no');
      },
      policy,
      noSleep,
    ).catch(() => undefined);

    expect(calls).toBe(1);
  });

  it('returns the first success', async () => {
    let calls = 0;
    const result = await withRetries(
      'test',
      async () => {
        calls++;
        if (calls < 2) throw new IssuerError('ISSUER_SERVER', 'hiccup');
        return 'ok';
      },
      policy,
      noSleep,
    );

    expect(result).toBe('ok');
    expect(calls).toBe(2);
  });

  it('backs off exponentially, capped, with full jitter', () => {
    expect([1, 2, 3].map((retry) => backoffDelay(policy, retry, () => 1))).toEqual([100, 200, 250]);
    expect(backoffDelay(policy, 2, () => 0.5)).toBe(100);
    expect(backoffDelay(policy, 2, () => 0)).toBe(0);
  });
});
