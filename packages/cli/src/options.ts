/** Option shapes shared by several commands, as commander hands them over. */
export interface ManifestOptions {
  file: string;
  duration?: string;
  renewBefore?: string;
  /** The largest manifest read, as a size text (64MiB by default). */
  maxManifestSize?: string;
}

export interface IssuerFlags {
  caUrl?: string;
  root?: string;
  fingerprint?: string;
  provisioner?: string;
  provisionerPasswordFile?: string;
  localCa?: string;
  /** Deadline of each request to the Step-CA (a duration text). */
  caTimeout?: string;
}

export interface LogOptions {
  logLevel?: string;
  logFormat?: string;
}

export interface StateOptions {
  stateDir?: string;
}
