/**
 * Monitoring that plugs in: the alert rules pass the real `promtool check
 * rules` and `promtool test rules`; a running service (the shipped artifact)
 * exports every metric the rules and the Grafana dashboard use, with
 * cert-manager's names and labels, build info, pending work and the process
 * metrics. Needs promtool: scripts/deps/monitoring.sh installs it.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type LocalWorkspace, localWorkspace } from '../status/support.js';
import { startService } from '../support/service.js';

jest.setTimeout(60_000);

const MONITORING = join(__dirname, '..', '..', '..', '..', 'examples', 'monitoring');
const run = promisify(execFile);

async function promtool(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: MONITORING });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') throw new Error('promtool is missing: run scripts/deps/monitoring.sh');
    return { code: Number(failure.code ?? 1), output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

/** Metric names an expression text refers to; histogram series map to their metric. */
function metricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [name] of text.matchAll(/\b(?:certloop|process|nodejs)_[a-z0-9_]*[a-z0-9]\b/g)) {
    names.add(name.replace(/_(bucket|sum|count)$/, ''));
  }
  return names;
}

function rulesExpressions(): string {
  // Expressions and annotations, without comments (they name cert-manager's metrics for comparison).
  return readFileSync(join(MONITORING, 'prometheus-rules.yaml'), 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
}

function dashboardExpressions(): string {
  const dashboard = JSON.parse(readFileSync(join(MONITORING, 'grafana-dashboard.json'), 'utf8')) as {
    panels: { targets: { expr: string }[] }[];
    templating: { list: { definition?: string }[] };
  };
  return [
    ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ...dashboard.templating.list.map((v) => v.definition ?? ''),
  ].join('\n');
}

describe('examples/monitoring/prometheus-rules.yaml', () => {
  it('passes promtool check rules', async () => {
    const result = await promtool('check', 'rules', 'prometheus-rules.yaml');
    expect(result).toEqual({ code: 0, output: expect.stringContaining('SUCCESS: 7 rules found') });
  });

  it('passes promtool test rules: each alert fires on its series and stays quiet otherwise', async () => {
    const result = await promtool('test', 'rules', 'prometheus-rules.test.yaml');
    expect(result).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('alerts on expiry, readiness, failing renewals, a dead service, a stale pass', () => {
    const alerts = [...rulesExpressions().matchAll(/alert: (\w+)/g)].map((m) => m[1]);
    expect(alerts).toEqual([
      'CertloopCertificateExpiringSoon',
      'CertloopCertificateRenewalOverdue',
      'CertloopCertificateNotReady',
      'CertloopRenewalsFailing',
      'CertloopDown',
      'CertloopPassStale',
      'CertloopManifestInvalid',
    ]);
  });
});

describe('a running service', () => {
  let ws: LocalWorkspace;
  let metrics = '';

  beforeAll(async () => {
    ws = await localWorkspace('certloop-monitoring-');
    await ws.writeManifest([{ name: 'api' }, { name: 'web', hooks: ['false'] }]);
    const service = await startService(ws.manifest, async (url) => {
      metrics = await (await fetch(`${url}/metrics`)).text();
      // After the first pass and its look: both certificates have series.
      return (metrics.match(/^certloop_certificate_expiration_timestamp_seconds\{/gm) ?? []).length === 2;
    });
    expect(await service.stop()).toBe(0);
  });

  afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

  const exported = () => new Set([...metrics.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));

  it('exports every metric the alert rules use', () => {
    const missing = [...metricNames(rulesExpressions())].filter((name) => !exported().has(name));
    expect(missing).toEqual([]);
  });

  it('exports every metric the Grafana dashboard uses', () => {
    const used = metricNames(dashboardExpressions());
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !exported().has(name))).toEqual([]);
  });

  it("uses cert-manager's names and labels: expiration and renewal per certificate, with name, common_name, issuer", () => {
    const issuer = `local:${join(ws.dir, 'ca')}`;
    const labels = `name="api",common_name="api.status.test",issuer="${issuer}"`;
    const notAfter = Date.parse(new X509Certificate(readFileSync(ws.certPath('api'))).validTo) / 1000;
    expect(metrics).toContain(`certloop_certificate_expiration_timestamp_seconds{${labels}} ${notAfter}`);
    // 24h certificates renewed 8h before expiry.
    expect(metrics).toContain(
      `certloop_certificate_renewal_timestamp_seconds{${labels}} ${notAfter - 8 * 3600}`,
    );
    expect(metrics).toContain(`certloop_certificate_ready_status{${labels},condition="True"} 1`);
    expect(metrics).toContain(`certloop_certificate_ready_status{${labels},condition="False"} 0`);
  });

  it('shows the certificate whose hook failed as not Ready, Pending, with one pending hook', () => {
    expect(metrics).toMatch(/^certloop_certificate_ready_status\{name="web",[^}]*condition="False"\} 1$/m);
    expect(metrics).toMatch(
      /^certloop_certificate_state\{name="web",[^}]*state="Pending",reason="HookPending"\} 1$/m,
    );
    expect(metrics).toContain('certloop_certificate_pending_work{name="web",kind="hook"} 1');
    expect(metrics).toContain('certloop_certificate_pending_work{name="api",kind="hook"} 0');
    expect(metrics).toContain('certloop_certificates{ready="false"} 1');
  });

  it('exports build info, outcome counters and the process metrics', () => {
    expect(metrics).toMatch(
      /^certloop_build_info\{version="\d+\.\d+\.\d+",commit="[^"]+",node_version="v\d+[^"]*"\} 1$/m,
    );
    expect(metrics).toMatch(/^certloop_reconcile_results_total\{action="issue",outcome="changed"\} 2$/m);
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(exported().has(name)).toBe(true);
    }
  });
});
