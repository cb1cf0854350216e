/**
 * Bundles the compiled CLI (packages/cli/dist/entry.js and everything it
 * imports, statically or lazily, dependencies included) in two shapes, both
 * self-contained (no node_modules at run time):
 *
 * - packages/cli/dist/bundle/: ES modules with code splitting, which the
 *   repository's launcher and the npm package run. Why: resolving and loading
 *   ~70 small modules cost a cold process ~100 ms of CPU before any work; one
 *   chunk per command costs a fraction of that, and lazy imports stay lazy
 *   (`--version` loads no command).
 * - dist/sea/certloop.cjs: one CommonJS file, the main script of the single
 *   executable (a SEA can neither load chunks from disk nor run import()). Lazy
 *   imports become lazily evaluated closures in the same file; V8's code cache
 *   in the executable spares their compilation.
 *
 * Both are stamped with the commit they were built from. Runs after `tsc -b`
 * (pnpm build); tests that run certloop in-process import the TypeScript sources.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'packages', 'cli');
const entry = join(cli, 'dist', 'entry.js');
const schema = join(repo, 'packages', 'core', 'schema', 'certloop-v1.schema.json');
const SCHEMA_NAME = 'certloop-v1.schema.json';
/** Where the .deb puts the schema; the single executable names it there. */
const INSTALLED_SCHEMA = `/usr/share/certloop/${SCHEMA_NAME}`;

/** The commit of the working tree, with `-dirty` when it has uncommitted changes to tracked files. */
function commit() {
  const git = (...args) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  try {
    const head = git('rev-parse', '--short=12', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? head : `${head}-dirty`;
  } catch {
    return 'unknown';
  }
}

/**
 * The packages load some libraries on first use with a synchronous
 * `createRequire(import.meta.url)('name')` (zod, yaml, winston,
 * @peculiar/x509): valid ES modules, but opaque to esbuild, which would leave
 * them to be resolved from node_modules at run time. This plugin rewrites the
 * name to what the bundle has instead, and records which libraries and from
 * where they were asked for.
 */
const LAZY_REQUIRE = /createRequire\(import\.meta\.url\)\('([^']+)'\)/g;
const COMMENT_LINE = /^\s*(\/\/|\/\*|\*)/;
function lazyRequires(rewrite, wanted) {
  return {
    name: 'lazy-requires',
    setup(build) {
      build.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]dist[\\/].*\.js$/ }, async ({ path }) => {
        const text = await readFile(path, 'utf8');
        if (!text.includes('createRequire(import.meta.url)(')) return undefined;
        // Code only: a comment that spells the pattern out stays as it is.
        const contents = text
          .split('\n')
          .map((line) =>
            COMMENT_LINE.test(line)
              ? line
              : line.replace(LAZY_REQUIRE, (_, name) => {
                  wanted?.set(name, dirname(path));
                  return rewrite(name);
                }),
          )
          .join('\n');
        return { contents, loader: 'js' };
      });
    },
  };
}

/** `@peculiar/x509` → `vendor/peculiar-x509.cjs`, beside the chunks. */
const vendorFile = (name) => `vendor/${name.replace(/^@/, '').replace(/\//g, '-')}.cjs`;

const common = {
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Licences of bundled code ship in the packages' copyright files.
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
};

/**
 * The split ES-module bundle. A library loaded on first use goes into a file
 * of its own under vendor/ (still required synchronously, from beside the
 * chunk): inside a chunk it would be parsed by every command that loads the
 * chunk, needed or not, which made a one-certificate plan parse ~3 MB more.
 * Built next to the old bundle and swapped in, so a CLI started meanwhile
 * never finds it missing.
 */
async function buildModules(stamp) {
  const target = join(cli, 'dist', 'bundle');
  const outdir = `${target}.next-${process.pid}`;
  const old = `${target}.old-${process.pid}`;
  const vendored = new Map();
  const result = await build({
    ...common,
    outdir,
    splitting: true,
    format: 'esm',
    define: {
      __CERTLOOP_COMMIT__: JSON.stringify(stamp),
      __CERTLOOP_SCHEMA__: JSON.stringify(`./${SCHEMA_NAME}`),
    },
    plugins: [lazyRequires((name) => `createRequire(import.meta.url)('./${vendorFile(name)}')`, vendored)],
    // CommonJS dependencies (commander, winston, ...) call require() for Node's
    // built-ins; an ES module has no require unless it makes one.
    banner: {
      js: "import { createRequire as __certloopRequire } from 'node:module';\nconst require = __certloopRequire(import.meta.url);",
    },
  });
  const vendors = await Promise.all(
    [...vendored].map(([name, resolveDir]) =>
      build({
        ...common,
        entryPoints: undefined,
        stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir },
        outfile: join(outdir, vendorFile(name)),
        format: 'cjs',
      }),
    ),
  );
  copyFileSync(schema, join(outdir, SCHEMA_NAME));
  try {
    renameSync(target, old);
  } catch {
    // First build: nothing to move away.
  }
  renameSync(outdir, target);
  rmSync(old, { recursive: true, force: true });
  return [result.metafile, ...vendors.map((v) => v.metafile)];
}

/** The single CommonJS file for the executable. */
async function buildSingleFile(stamp) {
  const outfile = join(repo, 'dist', 'sea', 'certloop.cjs');
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    ...common,
    outfile,
    format: 'cjs',
    define: {
      __CERTLOOP_COMMIT__: JSON.stringify(stamp),
      __CERTLOOP_SCHEMA__: JSON.stringify(INSTALLED_SCHEMA),
    },
    // One file: a lazily loaded library is a lazily evaluated closure in it.
    plugins: [lazyRequires((name) => `require(${JSON.stringify(name)})`)],
    // import.meta.url is read only on the ES-module paths (the schema beside a bundle).
    logOverride: { 'empty-import-meta': 'silent' },
  });
  return result.metafile;
}

const stamp = commit();
const [modules, single] = await Promise.all([buildModules(stamp), buildSingleFile(stamp)]);

/** The npm packages inside the bundles, with where they are, for the packages' licence lists. */
function bundledPackages(...metafiles) {
  const found = new Map();
  for (const metafile of metafiles) {
    for (const input of Object.keys(metafile.inputs)) {
      const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
      if (match) found.set(match[2], join(repo, match[1]));
    }
  }
  return [...found].sort(([a], [b]) => a.localeCompare(b)).map(([name, dir]) => ({ name, dir }));
}

// What the packaging scripts (scripts/package/) need to know about this build.
writeFileSync(
  join(repo, 'dist', 'sea', 'build-info.json'),
  `${JSON.stringify({ commit: stamp, schemaPath: INSTALLED_SCHEMA, packages: bundledPackages(...modules, single) }, null, 2)}\n`,
);
