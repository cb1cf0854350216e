/**
 * The test bed most e2e files share: a real step-ca, a workspace, a legacy
 * manifest of the chosen certificates, and the CLI pointed at all three.
 */
import { type StepCaHandle, startCa } from './ca.js';
import { type Certloop, certloop } from './cli.js';
import { makeWorkspace, type PhoenixCert, type Workspace, writeLegacyManifest } from './workspace.js';

export interface LegacyBed {
  ca: StepCaHandle;
  ws: Workspace;
  certs: PhoenixCert[];
  cli: Certloop;
}

export async function openLegacyBed(select: (ws: Workspace) => PhoenixCert[]): Promise<LegacyBed> {
  const ca = await startCa();
  const ws = makeWorkspace();
  const certs = select(ws);
  return { ca, ws, certs, cli: certloop(ws, ca, writeLegacyManifest(ws, certs)) };
}

/** Stops the CA and removes the workspace; safe when opening failed half-way. */
export async function closeBed(ca: StepCaHandle | undefined, ws: Workspace | undefined): Promise<void> {
  await ca?.dispose();
  ws?.dispose();
}
