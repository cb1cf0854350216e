/**
 * `pnpm package` (after `pnpm build`): everything an operator installs, under
 * dist/ — the single executable, the .deb built from it and the npm tarball,
 * with SHA256SUMS covering the three (and a .sha256 beside the executable, for
 * those who download only it).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDeb } from './deb.mjs';
import { buildNpmTarball } from './npm.mjs';
import { buildExecutable } from './sea.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(repo, 'dist');
const { version } = JSON.parse(readFileSync(join(repo, 'packages', 'cli', 'package.json'), 'utf8'));

/** `<sha256>  <name>`, as sha256sum prints and checks it. */
function checksumLine(file) {
  const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
  return `${digest}  ${basename(file)}\n`;
}

const executable = buildExecutable({ repo, outDir });
writeFileSync(`${executable}.sha256`, checksumLine(executable));
const deb = await buildDeb({ repo, executable, version, outDir });
const tarball = buildNpmTarball({ repo, outDir, version });
writeFileSync(join(outDir, 'SHA256SUMS'), [executable, deb, tarball].map(checksumLine).join(''));
for (const file of [executable, deb, tarball]) console.log(`package: ${file}`);
