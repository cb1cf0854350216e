/**
 * The minimal issuer as a process of its own, measured the way certloop is:
 * from spawn to exit, with Node's start-up and a JIT that has compiled
 * nothing yet. In the bench's own process the minimal issuer runs with code
 * the earlier rounds already compiled; this variant shows how much of the
 * distance to certloop that alone makes.
 *
 *     node minimal-issuer-process.js CA_JSON N PREFIX DIRECTORY CONCURRENCY
 *
 * CA_JSON: the testbed CA's fields minimalIssue needs (a file, so the
 * provisioner password is not on a command line).
 */
import { readFileSync } from 'node:fs';
import { minimalIssue } from './minimal-issuer.js';
import { issueNames } from './names.js';

const [caJson, n, prefix, directory, concurrency] = process.argv.slice(2);
const ca = JSON.parse(readFileSync(caJson, 'utf8'));
await minimalIssue(ca, issueNames(prefix, Number(n)), Number(concurrency), directory);
