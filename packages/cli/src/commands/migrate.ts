import { writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ifDefined, omitUndefined, toV1Manifest, type V1ManifestDocument } from '@certloop/core';
// A static import: this module is itself loaded only for `migrate`. A dynamic
// import('yaml') of the CommonJS package lost its named exports in the bundle.
import { stringify } from 'yaml';
import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { loadFromOptions } from '../manifest.js';
import type { IssuerFlags, ManifestOptions, StateOptions } from '../options.js';

export interface MigrateOptions extends ManifestOptions, IssuerFlags, StateOptions {
  output?: string;
  schema?: string;
}

/**
 * `certloop migrate`: any manifest (normally a legacy certificate-manifest.json)
 * as a v1 YAML document with every default explicit; it loads back to the same
 * desired state. Issuer flags, when given, become the issuer section the legacy
 * format could not hold.
 */
export const migrate: Handler<MigrateOptions> = async (options, io) => {
  const { state } = await loadFromOptions(options);
  const doc = withFlags(toV1Manifest(state), options);
  const output = options.output === undefined ? undefined : resolve(options.output);
  const schema = options.schema ?? schemaReference(output);
  const body = stringify(doc, { lineWidth: 0, indentSeq: true });
  const text = `${header(schema, state.manifestPath, state.format, doc.issuer !== undefined)}${body}`;
  if (output === undefined) {
    io.stdout(text);
  } else {
    await writeFile(output, text, { mode: 0o644 });
    io.stderr(`certloop: wrote ${state.certificates.length} certificates to ${output}\n`);
  }
  return EXIT.ok;
};

function header(schema: string, source: string, format: string, hasIssuer: boolean): string {
  const lines = [
    `# yaml-language-server: $schema=${schema}`,
    '#',
    `# Converted by \`certloop migrate\` from ${source} (${format} format).`,
    '# Every default is explicit; this file loads to the same desired state as the source.',
  ];
  if (!hasIssuer) {
    lines.push(
      '# No issuer section: as with the legacy manifest, the Step-CA comes from flags',
      '# (--ca-url, --root, --provisioner, --provisioner-password-file), STEP_* variables or $STEPPATH.',
    );
  }
  return `${lines.join('\n')}\n\n`;
}

/** --ca-url/--root/... or --local-ca, and --state-dir, written into the document. */
function withFlags(doc: V1ManifestDocument, flags: IssuerFlags & StateOptions): V1ManifestDocument {
  const result = { ...doc };
  if (flags.localCa !== undefined) {
    result.issuer = { local: { directory: resolve(flags.localCa) } };
  } else if (flags.caUrl !== undefined) {
    result.issuer = {
      stepCA: omitUndefined({
        url: flags.caUrl,
        root: ifDefined(flags.root, (root) => resolve(root)),
        fingerprint: flags.fingerprint,
        provisioner: flags.provisioner,
        passwordFile: ifDefined(flags.provisionerPasswordFile, (file) => resolve(file)),
      }),
    };
  }
  if (flags.stateDir !== undefined) result.stateDir = resolve(flags.stateDir);
  // Key order as a person reads it: apiVersion, kind, issuer, stateDir, defaults, certificates.
  const { apiVersion, kind, issuer, stateDir, defaults, certificates } = result;
  return omitUndefined({ apiVersion, kind, issuer, stateDir, defaults, certificates });
}

declare const __CERTLOOP_SCHEMA__: string | undefined;

/**
 * Where the v1 JSON Schema is on this machine, relative to the output file
 * (absolute on stdout). The bundles name it: beside the bundle for the npm
 * package, under /usr/share/certloop for the single executable and the .deb.
 * From the sources (tests), the copy in @certloop/core.
 */
function schemaReference(output: string | undefined): string {
  const schema =
    typeof __CERTLOOP_SCHEMA__ === 'string'
      ? isAbsolute(__CERTLOOP_SCHEMA__)
        ? __CERTLOOP_SCHEMA__
        : fileURLToPath(new URL(__CERTLOOP_SCHEMA__, import.meta.url))
      : // src/commands and dist/commands sit at the same depth under packages/cli.
        fileURLToPath(new URL('../../../core/schema/certloop-v1.schema.json', import.meta.url));
  if (output === undefined) return schema;
  const rel = relative(dirname(output), schema);
  return rel.startsWith('.') ? rel : `./${rel}`;
}
