import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

// Every step-ca this process started and every temp dir it owns. A jest
// worker that exits (even after a failed test that never reached afterAll)
// must not leave a CA listening or a PKI lying around.
const liveChildren = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
let hooked = false;

function cleanUpOnExit(): void {
  for (const child of liveChildren) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true });
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', cleanUpOnExit);
}

export function trackChild(child: ChildProcess): void {
  hookExit();
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

export function trackOwnedDir(dir: string): void {
  hookExit();
  ownedDirs.add(dir);
}

export function forgetOwnedDir(dir: string): void {
  ownedDirs.delete(dir);
}

/** Resolves when the child has exited, or false after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}
