#!/usr/bin/env node
// Thin launcher: all logic lives in the compiled CLI so start-up stays cheap.
import { main } from '../dist/main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
