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

export interface StateOptions extends CoordinationFlags {
  stateDir?: string;
}

/** Override the manifest's `coordination` section. */
export interface CoordinationFlags {
  /** file or etcd */
  coordination?: string;
  /** Comma-separated etcd client URLs. */
  etcdEndpoints?: string;
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
  etcdPrefix?: string;
  etcdTtl?: string;
}

/** `certloop reconcile`: the options of --once and of the service. */
export interface ReconcileCommandOptions extends ManifestOptions, IssuerFlags, LogOptions, StateOptions {
  once?: boolean;
  force?: boolean;
  prune?: boolean;
  /** With --prune: revoke what is pruned. */
  revoke?: boolean;
  /** Issue and write, but leave deliveries and hooks pending (the shell manager's flag). */
  generateOnly?: boolean;
  json?: boolean;
  concurrency?: string;
  lockTimeout?: string;
  metricsAddr?: string;
  /** Service: look again at least this often (default 5m). */
  resync?: string;
  /** Service: first retry delay after a failure (default 1m), doubled per failure. */
  backoffBase?: string;
  /** Service: longest retry delay (default 1h). */
  backoffMax?: string;
  /** Service: on SIGTERM, how long a pass in flight may still run (default 20s). */
  shutdownGrace?: string;
}
