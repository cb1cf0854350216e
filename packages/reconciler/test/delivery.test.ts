/** The delivery stage: files into Proxmox guests after the writes, hooks after their own delivery. */
import { joinPem } from '@certloop/core';
import { reconcileOnce } from '../src/reconcile.js';
import { aDesired, deliveredTo, named, stateOf, withHooks } from './builders.js';
import { FakeWorld } from './fake-world.js';

const nginx = aDesired(named('nginx'), deliveredTo('lxc', 101), withHooks('pct exec 101 -- mv-nginx'));
const portainer = aDesired(
  named('portainer'),
  deliveredTo('vm', 1001, { withCa: true }),
  withHooks('qm guest exec 1001 -- portainer-secrets'),
);
const docker = aDesired(
  named('docker'),
  deliveredTo('vm', 1001, { withCa: true }),
  withHooks('qm guest exec 1001 -- mv-docker'),
);
const plain = aDesired(named('plain'), withHooks('reload-plain'));

function running(world: FakeWorld, ...guests: string[]): FakeWorld {
  for (const guest of guests) world.guestStates.set(guest, 'running');
  return world;
}

describe('delivery into guests', () => {
  it('delivers each certificate into its guest, key first and certificate last, then runs its hook; a second pass touches no guest', async () => {
    const world = running(new FakeWorld(), 'lxc/101', 'vm/1001');
    const desired = stateOf(nginx, portainer, docker, plain);
    const first = await reconcileOnce(desired, world.ports());
    expect(first.ok).toBe(true);
    const guestActions = world.actions.filter((a) => /^(status|deliver|hook qm|hook pct)/.test(a));
    // One guest's certificates one after the other: deliver, then that certificate's hook.
    expect(guestActions.filter((a) => a.includes('1001'))).toEqual([
      'status vm/1001',
      'deliver vm/1001 /tmp/key.pem',
      'deliver vm/1001 /tmp/ca.pem',
      'deliver vm/1001 /tmp/cert.pem',
      'hook qm guest exec 1001 -- mv-docker',
      'deliver vm/1001 /tmp/key.pem',
      'deliver vm/1001 /tmp/ca.pem',
      'deliver vm/1001 /tmp/cert.pem',
      'hook qm guest exec 1001 -- portainer-secrets',
    ]);
    expect(world.guestFiles.get('lxc/101')?.get('/tmp/cert.pem')).toBe(
      world.files.get('/certs/nginx/cert.pem')?.content,
    );
    expect(world.guestFiles.get('vm/1001')?.get('/tmp/ca.pem')).toBe(joinPem(world.trust.rootsPem));
    expect(world.actions).toContain('hook reload-plain');

    const before = world.actions.length;
    const second = await reconcileOnce(desired, world.ports());
    expect(second.ok).toBe(true);
    expect(world.newActions(before)).toEqual([]);
  });

  it('keeps a stopped guest pending without a failure or a reissue, and delivers then runs the hook once it runs', async () => {
    const world = running(new FakeWorld(), 'vm/1001');
    world.guestStates.set('lxc/101', 'stopped');
    const desired = stateOf(nginx, docker);
    const first = await reconcileOnce(desired, world.ports());
    expect(first.ok).toBe(true);
    expect(first.results.find((r) => r.name === 'nginx')).toMatchObject({ pendingDelivery: 'lxc/101' });
    expect(world.status?.certificates.nginx).toMatchObject({
      pendingDelivery: 'lxc/101',
      pendingHooks: ['pct exec 101 -- mv-nginx'],
    });
    expect(world.actions).not.toContain('hook pct exec 101 -- mv-nginx');

    world.guestStates.set('lxc/101', 'running');
    const before = world.actions.length;
    const second = await reconcileOnce(desired, world.ports());
    expect(second.ok).toBe(true);
    expect(second.plan.entries.find((e) => e.name === 'nginx')?.reasons.map((r) => r.code)).toEqual([
      'delivery-pending',
      'hook-pending',
    ]);
    expect(world.newActions(before)).toEqual([
      'status lxc/101',
      'deliver lxc/101 /tmp/key.pem',
      'deliver lxc/101 /tmp/cert.pem',
      'hook pct exec 101 -- mv-nginx',
    ]);
    expect(world.status?.certificates.nginx?.pendingDelivery).toBeUndefined();
    expect(world.status?.certificates.nginx?.pendingHooks).toEqual([]);
  });

  it('retries a failed hook with its files delivered again, and fails the pass meanwhile', async () => {
    const world = running(new FakeWorld(), 'vm/1001');
    world.failingHooks.add('qm guest exec 1001 -- mv-docker');
    const desired = stateOf(docker);
    const first = await reconcileOnce(desired, world.ports());
    expect(first.ok).toBe(false);
    world.failingHooks.clear();
    const before = world.actions.length;
    const second = await reconcileOnce(desired, world.ports());
    expect(second.ok).toBe(true);
    expect(world.newActions(before)).toEqual([
      'status vm/1001',
      'deliver vm/1001 /tmp/key.pem',
      'deliver vm/1001 /tmp/ca.pem',
      'deliver vm/1001 /tmp/cert.pem',
      'hook qm guest exec 1001 -- mv-docker',
    ]);
    expect(world.issueRequests).toHaveLength(1);
  });

  it('fails a certificate whose guest cannot be reached, and keeps it pending', async () => {
    const world = new FakeWorld();
    const result = await reconcileOnce(stateOf(nginx), world.ports());
    expect(result.ok).toBe(false);
    expect(result.results[0]).toMatchObject({ outcome: 'failed', pendingDelivery: 'lxc/101' });
    expect(result.results[0]?.error).toMatch(/did not reach lxc\/101: lxc\/101 does not exist/);
    expect(world.status?.certificates.nginx?.pendingDelivery).toBe('lxc/101');
  });

  it('--generate-only writes the files and leaves every delivery and hook pending for the next pass', async () => {
    const world = running(new FakeWorld(), 'lxc/101');
    const desired = stateOf(nginx, plain);
    const first = await reconcileOnce(desired, world.ports(), { generateOnly: true });
    expect(first.ok).toBe(true);
    expect(world.actions.filter((a) => /^(status|deliver|hook)/.test(a))).toEqual([]);
    expect(world.status?.certificates.nginx).toMatchObject({ pendingDelivery: 'lxc/101' });
    expect(world.status?.certificates.plain?.pendingHooks).toEqual(['reload-plain']);
    const before = world.actions.length;
    await reconcileOnce(desired, world.ports());
    expect(world.newActions(before)).toEqual([
      'status lxc/101',
      'deliver lxc/101 /tmp/key.pem',
      'deliver lxc/101 /tmp/cert.pem',
      'hook pct exec 101 -- mv-nginx',
      'hook reload-plain',
    ]);
  });

  it('serves different guests in parallel: one guest waiting does not hold up another', async () => {
    const world = running(new FakeWorld(), 'lxc/101', 'vm/1001');
    let containerDelivered: () => void = () => {};
    const containerReached = new Promise<void>((resolve) => {
      containerDelivered = resolve;
    });
    const ports = world.ports();
    const fake = ports.guests;
    // The VM (served first: docker sorts before nginx) answers its status only once the
    // container got its files: served one guest after the other, this pass would never
    // finish (and the test would time out).
    const guests: typeof fake = {
      state: async (target) => {
        if (target.guestType === 'vm') await containerReached;
        return fake.state(target);
      },
      deliver: async (target, files) => {
        await fake.deliver(target, files);
        if (target.guestType === 'lxc') containerDelivered();
      },
    };
    const result = await reconcileOnce(stateOf(nginx, docker), { ...ports, guests });
    expect(result.ok).toBe(true);
    expect(world.guestFiles.get('vm/1001')?.has('/tmp/cert.pem')).toBe(true);
  }, 5_000);
});
