/**
 * A throwaway Phoenix-like installation for end-to-end tests: certificate
 * directories, a state directory, real hook executables and a manifest in the
 * legacy JSON format (or v1 YAML), all under one temp dir.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LegacyEntry {
  common_name: string;
  sans?: string[];
  cert_path: string;
  key_path: string;
  owner?: string;
  permissions?: string;
  post_renewal_command?: string;
}

export interface Workspace {
  readonly root: string;
  /** Base state directory passed as --state-dir. */
  readonly stateDir: string;
  /** Directory the hook executable records its invocations in (one file each). */
  readonly hookLogDir: string;
  /** The hook executable: records its arguments and CERTLOOP_* environment. */
  readonly hook: string;
  /** Where certificate files go. */
  readonly certsDir: string;
  dispose(): void;
}

/**
 * The hook: one file per invocation (so concurrent hooks never interleave),
 * holding the arguments and every CERTLOOP_* variable, NUL-separated because
 * CERTLOOP_NAMES may contain newlines.
 */
const HOOK_SCRIPT = `#!/bin/sh
set -e
record=$(mktemp "$CERTLOOP_E2E_HOOK_LOG/call-XXXXXXXX")
{ printf 'ARGS=%s\\0' "$*"; env -0 | grep -z '^CERTLOOP_' || true; } > "$record.part"
mv "$record.part" "$record"
`;

export function makeWorkspace(prefix = 'certloop-e2e-'): Workspace {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const stateDir = join(root, 'state');
  const hookLogDir = join(root, 'hook-calls');
  const certsDir = join(root, 'mnt');
  for (const dir of [stateDir, hookLogDir, certsDir]) mkdirSync(dir, { recursive: true });
  const hook = join(root, 'record-hook.sh');
  // The log directory is baked into the script: certloop passes the hook its own environment.
  writeFileSync(hook, HOOK_SCRIPT.replace('$CERTLOOP_E2E_HOOK_LOG', hookLogDir));
  chmodSync(hook, 0o755);
  return {
    root,
    stateDir,
    hookLogDir,
    hook,
    certsDir,
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface HookCall {
  /** The hook's arguments joined by spaces: the label each certificate's command passes. */
  readonly args: string;
  readonly env: Readonly<Record<string, string>>;
}

/** Every hook invocation so far, in no particular order. */
export function hookCalls(ws: Workspace): HookCall[] {
  return readdirSync(ws.hookLogDir)
    .filter((name) => name.startsWith('call-') && !name.endsWith('.part'))
    .map((name) => {
      const fields = readFileSync(join(ws.hookLogDir, name), 'utf8').split('\0').filter(Boolean);
      const env: Record<string, string> = {};
      let args = '';
      for (const field of fields) {
        const at = field.indexOf('=');
        const key = field.slice(0, at);
        const value = field.slice(at + 1);
        if (key === 'ARGS') args = value;
        else env[key] = value;
      }
      return { args, env };
    });
}

/** Forgets recorded hook calls (between steps of a test). */
export function clearHookCalls(ws: Workspace): void {
  for (const name of readdirSync(ws.hookLogDir)) rmSync(join(ws.hookLogDir, name), { force: true });
}

/** How many times each label's hook ran. */
export function hookCounts(ws: Workspace): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of hookCalls(ws)) counts[call.args] = (counts[call.args] ?? 0) + 1;
  return counts;
}

export interface PhoenixCert {
  /** Short label: the hook argument and the directory name. */
  readonly label: string;
  readonly entry: LegacyEntry;
}

/**
 * Phoenix's manifest (manifests/certificate-manifest.json) with paths in the
 * workspace: owners root:www-data, nobody:nogroup and root:root, modes 640,
 * 600 and 644, an IP SAN, and a recording hook per certificate.
 */
export function phoenixCerts(ws: Workspace): PhoenixCert[] {
  const at = (dir: string, file: string) => join(ws.certsDir, dir, file);
  const hook = (label: string) => `${ws.hook} ${label}`;
  return [
    {
      label: 'nginx',
      entry: {
        common_name: 'nginx.internal.thinkheads.ai',
        sans: ['nginx.internal.thinkheads.ai', 'portainer.internal.thinkheads.ai'],
        cert_path: at('lxc-101/ssl', 'nginx.internal.thinkheads.ai.crt'),
        key_path: at('lxc-101/ssl', 'nginx.internal.thinkheads.ai.key'),
        owner: 'root:www-data',
        permissions: '640',
        post_renewal_command: hook('nginx'),
      },
    },
    {
      label: 'portainer',
      entry: {
        common_name: 'portainer.internal.thinkheads.ai',
        cert_path: at('vm-1001/portainer/certs', 'portainer.crt'),
        key_path: at('vm-1001/portainer/certs', 'portainer.key'),
        owner: 'nobody:nogroup',
        permissions: '600',
        post_renewal_command: hook('portainer'),
      },
    },
    {
      label: 'traefik',
      entry: {
        common_name: 'traefik.internal.thinkheads.ai',
        cert_path: at('lxc-102/certs', 'traefik.internal.thinkheads.ai.crt'),
        key_path: at('lxc-102/certs', 'traefik.internal.thinkheads.ai.key'),
        owner: 'root:root',
        permissions: '644',
        post_renewal_command: hook('traefik'),
      },
    },
    {
      label: 'docker',
      entry: {
        common_name: 'docker-daemon.internal.thinkheads.ai',
        sans: ['docker-daemon.internal.thinkheads.ai', '10.0.0.111'],
        cert_path: at('docker/certs', 'server-cert.pem'),
        key_path: at('docker/certs', 'server-key.pem'),
        owner: 'root:root',
        permissions: '600',
        post_renewal_command: hook('docker'),
      },
    },
  ];
}

/** `count` more Phoenix-style certificates (for the crash and concurrency tests). */
export function manyCerts(ws: Workspace, count: number): PhoenixCert[] {
  const owners = ['root:www-data', 'nobody:nogroup', 'root:root'];
  const modes = ['640', '600', '644'];
  return Array.from({ length: count }, (_, i) => {
    const label = `svc${String(i).padStart(2, '0')}`;
    const dir = join(ws.certsDir, `lxc-${200 + i}`, 'ssl');
    return {
      label,
      entry: {
        common_name: `${label}.internal.thinkheads.ai`,
        ...(i % 4 === 0 ? { sans: [`${label}.internal.thinkheads.ai`, `10.0.1.${i + 1}`] } : {}),
        cert_path: join(dir, `${label}.crt`),
        key_path: join(dir, `${label}.key`),
        owner: owners[i % owners.length]!,
        permissions: modes[i % modes.length]!,
        post_renewal_command: `${ws.hook} ${label}`,
      },
    };
  });
}

/** Writes a legacy JSON manifest and returns its path. */
export function writeLegacyManifest(
  ws: Workspace,
  certs: readonly PhoenixCert[],
  file = 'certificate-manifest.json',
): string {
  const path = join(ws.root, file);
  writeFileSync(
    path,
    `${JSON.stringify(
      certs.map((c) => c.entry),
      null,
      2,
    )}\n`,
  );
  return path;
}
