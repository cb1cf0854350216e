/**
 * The warm figure, in-process as the service runs it: one runtime (manifest,
 * issuer, ports and their ObservationCache) and two plan passes over unchanged
 * files. A CLI process always starts cold, so "warm" only exists inside a
 * long-running process. Prints the two pass times and how many files the second
 * pass parsed again (must be 0).
 *   node bench/lib/service-pass.js MANIFEST CA_DIR STATE_DIR [flags...]
 */
import { dist } from './paths.js';

const [manifest, caDir, stateDir, ...flags] = process.argv.slice(2);
const flag = (name) => flags[flags.indexOf(name) + 1];

const { openRuntime } = await import(dist('cli', 'runtime.js'));
const { buildPorts } = await import(dist('cli', 'wiring.js'));
const { gatherAndPlan } = await import(dist('reconciler'));
const { ObservationCache, observeAll } = await import(dist('observers'));

const io = {
  stdout: () => {},
  stderr: (text) => process.stderr.write(text),
  isTTY: false,
  color: false,
  env: process.env,
};
const runtime = await openRuntime(
  {
    file: manifest,
    localCa: caDir,
    stateDir,
    duration: flag('--duration'),
    renewBefore: flag('--renew-before'),
    logLevel: 'error',
  },
  io,
);

// The service keeps one ObservationCache across passes; one-shot commands have none.
const ports = buildPorts({
  issuer: runtime.issuer,
  stateDir: runtime.stateDir,
  logger: runtime.logger,
  cache: new ObservationCache(),
});

async function pass() {
  const started = performance.now();
  const { plan } = await gatherAndPlan(runtime.state, ports);
  const ms = performance.now() - started;
  const changes = plan.entries.filter((entry) => entry.action !== 'none').length;
  if (changes > 0) throw new Error(`expected no changes, the plan has ${changes}`);
  return ms;
}

const coldMs = await pass();
const warmMs = await pass();
await runtime.close();

// Not timed: the same two passes through the observer, counting parses.
let parses = 0;
const cache = new ObservationCache();
const options = { cache, onParse: () => parses++ };
await observeAll(runtime.state.certificates, options);
const firstParses = parses;
await observeAll(runtime.state.certificates, options);
const reparsed = parses - firstParses;

process.stdout.write(`${JSON.stringify({ coldMs, warmMs, firstParses, reparsed })}\n`);
