import { CertloopError } from '@certloop/core';
import { type PassPorts, passOrStandby, RECONCILE_LOCK, reconcilePass } from '../src/pass.js';
import { aDesired, named, stateOf } from './builders.js';
import { FakeWorld } from './fake-world.js';

const web = aDesired(named('web'));

/** The fake world's ports with a recording lock and stale-temp cleaner. */
function passPorts(world: FakeWorld, lock: Partial<PassPorts['lock']> = {}): PassPorts {
  const base = world.ports();
  return {
    ...base,
    issuer: {
      ...base.issuer,
      prepare: async () => {
        world.actions.push('prepare issuer');
      },
    },
    lock: {
      backend: 'test',
      holder: async () => undefined,
      acquire: async (key, options) => {
        world.actions.push(`lock ${key} (wait ${options.waitMs} ms)`);
        return {
          release: async () => {
            world.actions.push(`unlock ${key}`);
          },
        };
      },
      ...lock,
    },
    removeStaleTemps: async (directories) => {
      world.actions.push(`clean temps in ${[...directories].sort().join(', ')}`);
    },
  };
}

describe('a pass under the lock', () => {
  it('takes the lock, cleans stale temps in every certificate directory, prepares the issuer, acts, then releases', async () => {
    const world = new FakeWorld();
    const report = await reconcilePass(stateOf(web), passPorts(world), { lockWaitMs: 5000 });
    expect(report.ok).toBe(true);
    const dirs = [...new Set(Object.values(web.files).map((p) => p.slice(0, p.lastIndexOf('/'))))].sort();
    expect(world.actions[0]).toBe(`lock ${RECONCILE_LOCK} (wait 5000 ms)`);
    expect(world.actions.slice(1, 3)).toEqual([`clean temps in ${dirs.join(', ')}`, 'prepare issuer']);
    expect(world.actions).toContain('issue web');
    expect(world.actions.at(-1)).toBe(`unlock ${RECONCILE_LOCK}`);
  });

  it('releases the lock when the pass throws', async () => {
    const world = new FakeWorld();
    const ports = passPorts(world);
    ports.issuer.prepare = async () => {
      throw new Error('the CA is unreachable');
    };
    await expect(reconcilePass(stateOf(web), ports, { lockWaitMs: 0 })).rejects.toThrow('unreachable');
    expect(world.actions.at(-1)).toBe(`unlock ${RECONCILE_LOCK}`);
    expect(world.actions).not.toContain('issue web');
  });

  it('stands by, for the service, when another reconciler holds the lock; other lock errors still throw', async () => {
    const world = new FakeWorld();
    const busy = passPorts(world, {
      acquire: async () => {
        throw new CertloopError('LOCK_TIMEOUT', 'Another certloop (pid 42 on host a) holds the lock.');
      },
    });
    expect(await passOrStandby(stateOf(web), busy, { lockWaitMs: 0 })).toEqual({
      kind: 'standby',
      message: 'Another certloop (pid 42 on host a) holds the lock.',
    });
    expect(world.actions).toEqual([]);

    const broken = passPorts(world, {
      acquire: async () => {
        throw new CertloopError('LOCK_TIMEOUT', 'Cannot create the lock.', { cause: new Error('EACCES') });
      },
    });
    await expect(passOrStandby(stateOf(web), broken, { lockWaitMs: 0 })).rejects.toThrow(
      'Cannot create the lock.',
    );
  });

  it('writes nothing once the lease is lost, even for an issuance already in flight', async () => {
    const world = new FakeWorld();
    let loseLease: () => void = () => {};
    const ports = passPorts(world, {
      acquire: async (_key, options) => {
        loseLease = options.onLost;
        return { release: async () => {} };
      },
    });
    const issue = ports.issuer.issue;
    // The renewal fails while the CA is answering: the answer must not land on disk.
    ports.issuer = {
      ...ports.issuer,
      issue: async (request) => {
        const issued = await issue(request);
        loseLease();
        return issued;
      },
    };
    const report = await reconcilePass(stateOf(web), ports, { lockWaitMs: 0 });
    expect(world.actions).toContain('issue web');
    expect(world.actions.filter((a) => a.startsWith('write ') || a.startsWith('status '))).toEqual([]);
    expect(report.results[0]).toMatchObject({ outcome: 'failed' });
  });

  it('keeps every method of an issuer that is a class instance (methods on the prototype)', async () => {
    const world = new FakeWorld();
    const ports = passPorts(world);
    const plain = ports.issuer;
    class ClassIssuer {
      readonly id = plain.id;
      trust() {
        world.actions.push('load trust');
        return plain.trust();
      }
      issue(request: Parameters<typeof plain.issue>[0]) {
        return plain.issue(request);
      }
      close() {
        return plain.close();
      }
    }
    ports.issuer = new ClassIssuer();
    const report = await reconcilePass(stateOf(web), ports, { lockWaitMs: 0 });
    expect(report.ok).toBe(true);
    expect(world.actions).toEqual(expect.arrayContaining(['load trust', 'issue web']));
  });
});
