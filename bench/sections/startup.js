/**
 * CLI start-up: `--version` and a 1-certificate plan, each against `node -e 0`
 * in the same round, for the bundle run by node and for the single executable
 * (its code cache replaces the bundle's chunks; `pnpm bench` packages it first).
 */
import { existsSync, statSync } from 'node:fs';
import { legacyManifest } from '../lib/dataset.js';
import { expectExit, runProcess, summary } from '../lib/measure.js';
import { CLI_BIN, SEA_BIN } from '../lib/paths.js';
import { planProcess } from './plan.js';

export async function startup({ dataset, stateDir, rounds, log }) {
  const manifest = legacyManifest(dataset, 1);
  const hasSea = existsSync(SEA_BIN);
  const variants = {
    node: () => runProcess(process.execPath, ['-e', '0']),
    version: () => runProcess(process.execPath, [CLI_BIN, '--version']),
    plan1: () => planProcess(dataset, stateDir, manifest),
    ...(hasSea && {
      seaVersion: () => runProcess(SEA_BIN, ['--version']),
      seaPlan1: () => planProcess(dataset, stateDir, manifest, SEA_BIN),
    }),
  };
  const names = Object.keys(variants).filter((name) => name !== 'node');
  const ms = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  const ratios = Object.fromEntries(names.map((name) => [name, []]));
  await variants.plan1(); // warm the page cache once
  if (hasSea) await variants.seaPlan1();
  for (let round = 0; round < rounds; round++) {
    const node = expectExit(await variants.node(), 'node -e 0').ms;
    ms.node.push(node);
    for (const name of names) {
      const took = expectExit(await variants[name](), `certloop (${name})`).ms;
      ms[name].push(took);
      ratios[name].push(took / node);
    }
  }
  log(
    `start-up: node -e 0 ${summary(ms.node).median.toFixed(0)} ms${hasSea ? '' : '; no single executable (pnpm package)'}`,
  );
  const measured = (name) => ({ ms: summary(ms[name]), ratio: summary(ratios[name]) });
  return {
    node: summary(ms.node),
    version: measured('version'),
    plan1: measured('plan1'),
    sea: hasSea
      ? { bytes: statSync(SEA_BIN).size, version: measured('seaVersion'), plan1: measured('seaPlan1') }
      : undefined,
  };
}
