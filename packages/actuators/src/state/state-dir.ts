/**
 * Where certloop keeps locks, status and provenance. As root: /var/lib/certloop,
 * because the FHS reserves /var/lib for state that programs keep between runs
 * (not /var/run: lost at boot; not /etc: configuration, not state). Otherwise
 * the XDG base directory spec's $XDG_STATE_HOME (default ~/.local/state).
 * Never inside a certificate's directory: that is the user's and may be
 * shared, synced or swept by other tools.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';

export interface StateDirContext {
  readonly uid?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly home?: string;
}

export function defaultStateDir(context: StateDirContext = {}): string {
  const uid = context.uid ?? process.getuid?.() ?? -1;
  if (uid === 0) return '/var/lib/certloop';
  const xdg = (context.env ?? process.env).XDG_STATE_HOME;
  // The spec says relative values are invalid and must be ignored.
  if (xdg && isAbsolute(xdg)) return join(xdg, 'certloop');
  return join(context.home ?? homedir(), '.local', 'state', 'certloop');
}

/**
 * The subdirectory of one manifest: its readable file name plus a hash of its
 * absolute path, so two manifests with the same name never share state.
 */
export function stateDirFor(baseStateDir: string, manifestPath: string): string {
  const absolute = resolve(manifestPath);
  const hash = createHash('sha256').update(absolute).digest('hex').slice(0, 16);
  const readable = basename(absolute)
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 60);
  return join(baseStateDir, 'manifests', readable ? `${readable}-${hash}` : hash);
}
