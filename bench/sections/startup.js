/** CLI start-up: `--version` and a 1-certificate plan, each against `node -e 0` in the same round. */
import { legacyManifest } from '../lib/dataset.js';
import { expectExit, runProcess, summary } from '../lib/measure.js';
import { CLI_BIN } from '../lib/paths.js';
import { planProcess } from './plan.js';

export async function startup({ dataset, stateDir, rounds, log }) {
  const manifest = legacyManifest(dataset, 1);
  const variants = {
    node: () => runProcess(process.execPath, ['-e', '0']),
    version: () => runProcess(process.execPath, [CLI_BIN, '--version']),
    plan1: () => planProcess(dataset, stateDir, manifest),
  };
  const ms = { node: [], version: [], plan1: [] };
  const ratios = { version: [], plan1: [] };
  await variants.plan1(); // warm the page cache once
  for (let round = 0; round < rounds; round++) {
    const node = expectExit(await variants.node(), 'node -e 0').ms;
    const version = expectExit(await variants.version(), 'certloop --version').ms;
    const plan1 = expectExit(await variants.plan1(), 'certloop plan (1 certificate)').ms;
    ms.node.push(node);
    ms.version.push(version);
    ms.plan1.push(plan1);
    ratios.version.push(version / node);
    ratios.plan1.push(plan1 / node);
  }
  log(`start-up: node -e 0 ${summary(ms.node).median.toFixed(0)} ms`);
  return {
    node: summary(ms.node),
    version: { ms: summary(ms.version), ratio: summary(ratios.version) },
    plan1: { ms: summary(ms.plan1), ratio: summary(ratios.plan1) },
  };
}
