import { type DesiredCertificate, type DesiredState, type Logger, ManifestError } from '@certloop/core';
import {
  type PassOutcome,
  type ReconcileReport,
  ReconcileService,
  type ServicePorts,
} from '../../src/index.js';
import { aDesired, anObserved, expiringIn, MINUTE, NOW, named } from '../builders.js';

const REPORT = {
  results: [],
  hooks: [],
  summary: { changed: 0, unchanged: 0, failed: 0 },
  statusWritten: false,
  ok: true,
} as unknown as ReconcileReport;

function stateOf(...certificates: DesiredCertificate[]): DesiredState {
  return { manifestPath: '/m.yaml', format: 'v1', issuer: undefined, settings: {}, certificates };
}

interface Harness {
  ports: ServicePorts;
  passes: DesiredState[];
  logged: string[];
  setManifest(next: DesiredState | Error): void;
  setOutcome(next: () => Promise<PassOutcome>): void;
}

/** Renewal due 4 minutes after NOW for the one certificate, resync every 5 minutes, no jitter. */
function harness(initial: DesiredState): Harness {
  let manifest: DesiredState | Error = initial;
  let outcome: () => Promise<PassOutcome> = async () => ({ kind: 'acted', report: REPORT });
  const passes: DesiredState[] = [];
  const logged: string[] = [];
  const record = (message: string) => logged.push(message);
  const logger: Logger = { debug: () => {}, info: () => {}, warn: record, error: record };
  return {
    passes,
    logged,
    setManifest: (next) => {
      manifest = next;
    },
    setOutcome: (next) => {
      outcome = next;
    },
    ports: {
      clock: () => new Date(Date.now()),
      logger,
      random: () => 0,
      async load() {
        if (manifest instanceof Error) throw manifest;
        return manifest;
      },
      async pass(desired) {
        passes.push(desired);
        return outcome();
      },
      async look(desired) {
        // The files as a pass leaves them: renewal 4 minutes after NOW.
        return {
          observed: desired.certificates.map((c) => anObserved(c, expiringIn(14 * MINUTE, 30 * MINUTE))),
          status: undefined,
        };
      },
    },
  };
}

const OPTIONS = {
  resyncMs: 5 * MINUTE,
  backoff: { baseMs: MINUTE, maxMs: 10 * MINUTE },
  minDelayMs: 1_000,
  shutdownGraceMs: 5_000,
  standbyDelayMs: 30_000,
};

describe('the reconcile service loop', () => {
  const web = aDesired(named('web'));
  const api = aDesired(named('api'));

  beforeEach(() => jest.useFakeTimers({ now: NOW }));
  afterEach(() => jest.useRealTimers());

  it('passes at start, then sleeps until the renewal point without passing in between', async () => {
    const h = harness(stateOf(web));
    const controller = new AbortController();
    const service = new ReconcileService(stateOf(web), h.ports, OPTIONS);
    const done = service.run(controller.signal);
    await jest.advanceTimersByTimeAsync(0);
    expect(h.passes).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(4 * MINUTE - 1_000);
    expect(h.passes).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(1); // one sleeping timer, no polling
    await jest.advanceTimersByTimeAsync(1_000);
    expect(h.passes).toHaveLength(2);
    controller.abort();
    await expect(done).resolves.toEqual({ passes: 2, drained: true });
  });

  it('cuts the sleep short on a manifest change and acts on the new manifest', async () => {
    const h = harness(stateOf(web));
    const controller = new AbortController();
    const service = new ReconcileService(stateOf(web), h.ports, OPTIONS);
    const done = service.run(controller.signal);
    await jest.advanceTimersByTimeAsync(10_000);
    h.setManifest(stateOf(api, web));
    service.trigger('manifest-changed');
    await jest.advanceTimersByTimeAsync(0);
    expect(h.passes.map((d) => d.certificates.map((c) => c.name))).toEqual([['web'], ['api', 'web']]);
    controller.abort();
    await done;
  });

  it('keeps the last valid manifest in force when the new one is invalid, and says so once', async () => {
    const h = harness(stateOf(web));
    const controller = new AbortController();
    const service = new ReconcileService(stateOf(web), h.ports, OPTIONS);
    const done = service.run(controller.signal);
    await jest.advanceTimersByTimeAsync(0);
    h.setManifest(
      new ManifestError('/m.yaml', [
        { severity: 'error', rule: 'unknown-field', message: 'Unknown field "colour".', path: ['colour'] },
      ]),
    );
    service.trigger('manifest-changed');
    await jest.advanceTimersByTimeAsync(0);
    service.trigger('reload-signal');
    await jest.advanceTimersByTimeAsync(0);
    expect(h.passes).toHaveLength(3);
    expect(h.passes.every((d) => d.certificates[0]?.name === 'web')).toBe(true);
    expect(service.desired.certificates.map((c) => c.name)).toEqual(['web']);
    expect(h.logged.filter((m) => m.includes('manifest is invalid'))).toHaveLength(1);
    controller.abort();
    await done;
  });

  it('lets a pass in flight finish on shutdown and starts no other', async () => {
    const h = harness(stateOf(web));
    let finish: () => void = () => {};
    h.setOutcome(
      () =>
        new Promise((resolve) => {
          finish = () => resolve({ kind: 'acted', report: REPORT });
        }),
    );
    const controller = new AbortController();
    const service = new ReconcileService(stateOf(web), h.ports, OPTIONS);
    const done = service.run(controller.signal);
    await jest.advanceTimersByTimeAsync(0);
    controller.abort();
    await jest.advanceTimersByTimeAsync(1_000);
    finish();
    await expect(done).resolves.toEqual({ passes: 1, drained: true });
    expect(h.passes).toHaveLength(1);
  });

  it('gives up waiting for a pass that outlives the shutdown grace', async () => {
    const h = harness(stateOf(web));
    h.setOutcome(() => new Promise(() => {}));
    const controller = new AbortController();
    const service = new ReconcileService(stateOf(web), h.ports, OPTIONS);
    const done = service.run(controller.signal);
    await jest.advanceTimersByTimeAsync(0);
    controller.abort();
    await jest.advanceTimersByTimeAsync(5_000);
    await expect(done).resolves.toEqual({ passes: 1, drained: false });
  });

  it('stands by while another process holds the lock, looking again no sooner than the standby delay', async () => {
    const h = harness(stateOf(web));
    h.setOutcome(async () => ({ kind: 'standby', message: 'held by process 1 on host-a' }));
    const controller = new AbortController();
    const service = new ReconcileService(stateOf(web), h.ports, {
      ...OPTIONS,
      standbyDelayMs: 5 * MINUTE - 1,
    });
    const done = service.run(controller.signal);
    await jest.advanceTimersByTimeAsync(4 * MINUTE);
    expect(h.passes).toHaveLength(1); // the renewal point (4 min) is in the leader's hands
    await jest.advanceTimersByTimeAsync(MINUTE);
    expect(h.passes).toHaveLength(2);
    controller.abort();
    await done;
  });

  it('backs off passes that throw (the lock directory cannot be created)', async () => {
    const h = harness(stateOf(web));
    h.setOutcome(async () => {
      throw new Error('EACCES: permission denied');
    });
    const controller = new AbortController();
    const service = new ReconcileService(stateOf(web), h.ports, OPTIONS);
    const done = service.run(controller.signal);
    await jest.advanceTimersByTimeAsync(MINUTE + 2 * MINUTE + 4 * MINUTE - 1);
    expect(h.passes).toHaveLength(3); // at 0, 1 and 3 minutes; the next at 7
    await jest.advanceTimersByTimeAsync(1);
    expect(h.passes).toHaveLength(4);
    controller.abort();
    await done;
  });
});
