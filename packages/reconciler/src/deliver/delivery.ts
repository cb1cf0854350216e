/**
 * The delivery stage of a pass: after every write, the files of certificates
 * with a `delivery` go into their Proxmox guest, then that certificate's hooks
 * run (they pick the files up from the guest's /tmp). One certificate at a
 * time per guest, so two certificates sharing /tmp/cert.pem in one guest
 * never interleave; different guests proceed in parallel. A stopped or
 * unreachable guest leaves the delivery and its hooks pending, never a reissue.
 */
import {
  DeliveryError,
  type DesiredCertificate,
  guestKey,
  joinPem,
  leafRole,
  type TrustMaterial,
} from '@certloop/core';
import { environmentOf, type HookReport, type HookTrigger } from '../hooks.js';
import type { GuestFileToDeliver, ReconcilePorts } from '../ports.js';
import { safeErrorMessage } from '../redact.js';

/** Key and CA in the guest are root-only or world-readable as consumers expect. */
const GUEST_KEY_MODE = 0o600;
const GUEST_PUBLIC_MODE = 0o644;

export interface DeliveryJob {
  /** The certificate (with `delivery`), the hooks to run after it, and their environment. */
  readonly trigger: HookTrigger;
}

export interface DeliveryOutcome {
  readonly name: string;
  readonly guest: string;
  /** The files reached the guest in this pass. */
  readonly delivered: boolean;
  /** The guest was stopped: pending, and not a failure. */
  readonly guestStopped: boolean;
  /** Hooks that still have to succeed (all of them when the files did not arrive). */
  readonly pendingHooks: readonly string[];
  /** Redacted: why the files did not arrive. */
  readonly error?: string;
}

export interface DeliveryPhase {
  readonly outcomes: ReadonlyMap<string, DeliveryOutcome>;
  readonly hooks: readonly HookReport[];
}

/** What the guest gets: the key first, the CA, the certificate file as written (leaf + chain) last. */
async function filesFor(
  ports: ReconcilePorts,
  cert: DesiredCertificate,
  trust: TrustMaterial | undefined,
): Promise<GuestFileToDeliver[]> {
  const delivery = cert.delivery!;
  const role = leafRole(cert.files);
  const certPath = role === undefined ? undefined : cert.files[role];
  const keyPath = cert.files.key;
  const certificate = certPath === undefined ? undefined : await ports.readCertificate(certPath);
  const key = keyPath === undefined ? undefined : await ports.readKey(keyPath);
  if (certificate === undefined || key === undefined) {
    throw new DeliveryError(
      `Cannot deliver: ${certificate === undefined ? `the certificate ${certPath ?? '(none declared)'}` : `the key ${keyPath ?? '(none declared)'}`} is unreadable on shared storage.`,
    );
  }
  const files: GuestFileToDeliver[] = [{ path: delivery.keyPath, content: key, mode: GUEST_KEY_MODE }];
  if (delivery.caPath !== undefined) {
    if (trust === undefined || trust.rootsPem.trim() === '') {
      throw new DeliveryError("Cannot deliver the CA: the issuer's roots are not available.");
    }
    // The bytes certloop writes to CA bundle files.
    files.push({ path: delivery.caPath, content: joinPem(trust.rootsPem), mode: GUEST_PUBLIC_MODE });
  }
  files.push({ path: delivery.certPath, content: certificate, mode: GUEST_PUBLIC_MODE });
  return files;
}

async function runHooksOf(ports: ReconcilePorts, trigger: HookTrigger): Promise<HookReport[]> {
  const env = environmentOf(trigger);
  const reports: HookReport[] = [];
  for (const command of trigger.commands) {
    const declared = trigger.certificate.hooks.find((h) => h.command === command);
    let result: Awaited<ReturnType<ReconcilePorts['runHooks']>>[number] | undefined;
    try {
      [result] = await ports.runHooks([{ command, timeoutMs: declared?.timeoutMs ?? 0, env }]);
    } catch (error) {
      result = { command, exitCode: null, timedOut: false, output: safeErrorMessage(error) };
    }
    reports.push({
      command,
      names: [trigger.certificate.name],
      ok: result !== undefined && result.exitCode === 0 && !result.timedOut,
      exitCode: result?.exitCode ?? null,
      timedOut: result?.timedOut ?? false,
      output: result?.output ?? 'The hook did not run.',
    });
  }
  return reports;
}

/** One guest's certificates, strictly one after the other: deliver, then that certificate's hooks. */
async function serveGuest(
  ports: ReconcilePorts,
  jobs: readonly DeliveryJob[],
  trust: TrustMaterial | undefined,
  outcomes: Map<string, DeliveryOutcome>,
  hooks: HookReport[],
): Promise<void> {
  const first = jobs[0]!.trigger.certificate.delivery!;
  const guest = guestKey(first);
  const pendingAll = (fields: { guestStopped: boolean; error?: string }) => {
    for (const { trigger } of jobs) {
      outcomes.set(trigger.certificate.name, {
        name: trigger.certificate.name,
        guest,
        delivered: false,
        pendingHooks: trigger.commands,
        ...fields,
      });
    }
  };
  let state: 'running' | 'stopped';
  try {
    state = await ports.guests.state(first);
  } catch (error) {
    const message = safeErrorMessage(error);
    ports.logger.error('Cannot reach the guest; its deliveries stay pending.', { guest, error: message });
    pendingAll({ guestStopped: false, error: message });
    return;
  }
  if (state === 'stopped') {
    ports.logger.warn('The guest is stopped; its deliveries and hooks stay pending.', {
      guest,
      names: jobs.map((j) => j.trigger.certificate.name),
    });
    pendingAll({ guestStopped: true });
    return;
  }
  for (const { trigger } of jobs) {
    const cert = trigger.certificate;
    try {
      await ports.guests.deliver(cert.delivery!, await filesFor(ports, cert, trust));
    } catch (error) {
      const message = safeErrorMessage(error);
      ports.logger.error('Delivering into the guest failed; it stays pending.', {
        name: cert.name,
        guest,
        error: message,
      });
      outcomes.set(cert.name, {
        name: cert.name,
        guest,
        delivered: false,
        guestStopped: false,
        pendingHooks: trigger.commands,
        error: message,
      });
      continue;
    }
    ports.logger.info('Delivered into the guest.', { name: cert.name, guest });
    const reports = await runHooksOf(ports, trigger);
    hooks.push(...reports);
    outcomes.set(cert.name, {
      name: cert.name,
      guest,
      delivered: true,
      guestStopped: false,
      pendingHooks: reports.filter((r) => !r.ok).map((r) => r.command),
    });
  }
}

/** Groups the jobs by guest (in the order given) and serves the guests in parallel. */
export async function runDeliveryPhase(
  ports: ReconcilePorts,
  jobs: readonly DeliveryJob[],
  trust: TrustMaterial | undefined,
): Promise<DeliveryPhase> {
  const byGuest = new Map<string, DeliveryJob[]>();
  for (const job of jobs) {
    const key = guestKey(job.trigger.certificate.delivery!);
    const group = byGuest.get(key);
    if (group === undefined) byGuest.set(key, [job]);
    else group.push(job);
  }
  const outcomes = new Map<string, DeliveryOutcome>();
  const hooksByGuest = new Map<string, HookReport[]>();
  await Promise.all(
    [...byGuest].map(([key, group]) => {
      const reports: HookReport[] = [];
      hooksByGuest.set(key, reports);
      return serveGuest(ports, group, trust, outcomes, reports);
    }),
  );
  // Reports in guest order, whatever order the guests finished in.
  return { outcomes, hooks: [...hooksByGuest.values()].flat() };
}
