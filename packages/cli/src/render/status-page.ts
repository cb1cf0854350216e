/**
 * The status page: one self-contained HTML document (inline CSS and SVG, no
 * script, no external asset) rendering a StatusReport: a summary line, an
 * expiry timeline (a bar per certificate from notBefore to notAfter, a mark at
 * its renewal point, a line at now, coloured by state) and a table with each
 * certificate's state, reason, dates, last result and pending work. Served on
 * `/` by the service and written by `certloop status --html FILE`.
 */
import type { CertState } from '@certloop/core';
import type { CertificateReadiness, LockPort, StatusReport } from '@certloop/reconciler';
import { VERSION } from '../version.js';
import { formatInstant, formatTimeLeft, statusSummaryLine } from './status.js';

/** Timeline geometry, in SVG user units. */
export const TIMELINE = {
  labelWidth: 220,
  plotWidth: 720,
  rightMargin: 20,
  axisHeight: 28,
  rowHeight: 30,
  barHeight: 16,
} as const;

const TONE: Record<CertState, 'ok' | 'warn' | 'bad'> = {
  Ready: 'ok',
  RenewalDue: 'warn',
  Drifted: 'warn',
  Pending: 'warn',
  Missing: 'bad',
  Expired: 'bad',
  Invalid: 'bad',
  Failed: 'bad',
};

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const DAY_MS = 86_400_000;

/** The time span the timeline shows: every certificate's validity and now, with a little room at both ends. */
export function timelineSpan(report: StatusReport): { start: number; end: number } {
  const now = Date.parse(report.generatedAt);
  const times = [now];
  for (const cert of report.certificates) {
    for (const iso of [cert.notBefore, cert.notAfter]) {
      if (iso !== undefined && !Number.isNaN(Date.parse(iso))) times.push(Date.parse(iso));
    }
  }
  let start = Math.min(...times);
  let end = Math.max(...times);
  if (end - start < DAY_MS) {
    start = now - DAY_MS / 2;
    end = Math.max(end, now + DAY_MS / 2);
  }
  const pad = (end - start) * 0.02;
  return { start: start - pad, end: end + pad };
}

function renderTimeline(report: StatusReport): string {
  const { labelWidth, plotWidth, rightMargin, axisHeight, rowHeight, barHeight } = TIMELINE;
  const { start, end } = timelineSpan(report);
  const x = (ms: number) => labelWidth + ((ms - start) / (end - start)) * plotWidth;
  const width = labelWidth + plotWidth + rightMargin;
  const height = axisHeight + rowHeight * Math.max(1, report.certificates.length) + 8;
  const now = Date.parse(report.generatedAt);
  const fmt = (n: number) => n.toFixed(2);

  const ticks: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const at = start + ((end - start) * i) / 4;
    const label = formatInstant(new Date(at).toISOString()).replace('T', ' ');
    ticks.push(
      `<line class="tick" x1="${fmt(x(at))}" x2="${fmt(x(at))}" y1="${axisHeight - 6}" y2="${height}"/>`,
      `<text class="tick-label" x="${fmt(x(at))}" y="${axisHeight - 10}" text-anchor="${i === 0 ? 'start' : i === 4 ? 'end' : 'middle'}">${escapeHtml(label)}</text>`,
    );
  }

  const rows = report.certificates.map((cert, index) => {
    const top = axisHeight + index * rowHeight;
    const barY = top + (rowHeight - barHeight) / 2;
    const parts = [
      `<text class="name" x="${labelWidth - 8}" y="${top + rowHeight / 2 + 4}" text-anchor="end">${escapeHtml(cert.name)}</text>`,
    ];
    const from = cert.notBefore === undefined ? Number.NaN : Date.parse(cert.notBefore);
    const to = cert.notAfter === undefined ? Number.NaN : Date.parse(cert.notAfter);
    if (!Number.isNaN(from) && !Number.isNaN(to)) {
      parts.push(
        `<rect class="validity tone-${TONE[cert.state]}" x="${fmt(x(from))}" y="${fmt(barY)}" width="${fmt(Math.max(1, x(to) - x(from)))}" height="${barHeight}" rx="3" data-not-before="${escapeHtml(cert.notBefore!)}" data-not-after="${escapeHtml(cert.notAfter!)}"><title>${escapeHtml(`${cert.name}: ${cert.state} (${cert.reason}), valid ${cert.notBefore} to ${cert.notAfter}`)}</title></rect>`,
      );
    } else {
      parts.push(
        `<text class="no-certificate tone-${TONE[cert.state]}" x="${labelWidth + 6}" y="${top + rowHeight / 2 + 4}">no certificate on disk (${escapeHtml(cert.reason)})</text>`,
      );
    }
    const renewAt = cert.renewAt === undefined ? Number.NaN : Date.parse(cert.renewAt);
    if (!Number.isNaN(renewAt)) {
      parts.push(
        `<line class="renewal" x1="${fmt(x(renewAt))}" x2="${fmt(x(renewAt))}" y1="${fmt(barY - 4)}" y2="${fmt(barY + barHeight + 4)}" data-at="${escapeHtml(cert.renewAt!)}"><title>${escapeHtml(`${cert.name}: renewal at ${cert.renewAt}`)}</title></line>`,
      );
    }
    return `<g class="certificate" data-name="${escapeHtml(cert.name)}" data-state="${cert.state}">${parts.join('')}</g>`;
  });

  return [
    `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Expiry timeline: one bar per certificate from notBefore to notAfter" data-start="${new Date(start).toISOString()}" data-end="${new Date(end).toISOString()}" data-plot-x="${labelWidth}" data-plot-width="${plotWidth}">`,
    ...ticks,
    ...rows,
    `<line id="now" x1="${fmt(x(now))}" x2="${fmt(x(now))}" y1="${axisHeight - 6}" y2="${height}" data-at="${escapeHtml(report.generatedAt)}"><title>now: ${escapeHtml(report.generatedAt)}</title></line>`,
    `<text class="now-label" x="${fmt(x(now) + 4)}" y="${height - 2}">now</text>`,
    '</svg>',
  ].join('\n');
}

function pendingCell(cert: CertificateReadiness): string {
  if (cert.pending.length === 0) return '-';
  return cert.pending.map((p) => `${escapeHtml(p.kind)}: <code>${escapeHtml(p.target)}</code>`).join('<br>');
}

function when(iso: string | undefined, relativeMs: number | undefined): string {
  if (iso === undefined) return '-';
  const relative =
    relativeMs === undefined ? '' : ` <span class="muted">(${escapeHtml(formatTimeLeft(relativeMs))})</span>`;
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(formatInstant(iso))}</time>${relative}`;
}

/** A Failed certificate's message is its last error already: it is not repeated under the last result. */
function renderRow(cert: CertificateReadiness): string {
  const last =
    cert.lastResult === undefined
      ? '-'
      : `${escapeHtml(cert.lastResult)}${cert.lastAttemptAt === undefined ? '' : ` <span class="muted">${escapeHtml(formatInstant(cert.lastAttemptAt))}</span>`}${cert.lastError === undefined || cert.state === 'Failed' ? '' : `<br><span class="error">${escapeHtml(cert.lastError)}</span>`}`;
  return [
    `<tr data-name="${escapeHtml(cert.name)}">`,
    `<th scope="row">${escapeHtml(cert.name)}<br><span class="muted">${escapeHtml(cert.commonName)}</span></th>`,
    `<td><span class="badge tone-${TONE[cert.state]}">${cert.state}</span></td>`,
    `<td>${escapeHtml(cert.reason)}<br><span class="muted">${escapeHtml(cert.message)}</span></td>`,
    `<td>${when(cert.notAfter, cert.expiresInMs)}</td>`,
    `<td>${when(cert.renewAt, cert.renewInMs)}</td>`,
    `<td>${last}</td>`,
    `<td>${pendingCell(cert)}</td>`,
    `<td class="muted">${escapeHtml(cert.issuer)}</td>`,
    '</tr>',
  ].join('');
}

const STYLE = `
:root { color-scheme: light; --ok: #2e7d32; --warn: #b7791f; --bad: #c62828; --muted: #5f6368; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2328; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.summary { font-size: 16px; font-weight: 600; margin: 4px 0; }
.muted { color: var(--muted); font-size: 12px; }
time { white-space: nowrap; }
.error { color: var(--bad); font-size: 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid #d0d7de; }
thead th { font-size: 12px; text-transform: uppercase; color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-weight: 600; font-size: 12px; }
.badge.tone-ok { background: var(--ok); } .badge.tone-warn { background: var(--warn); } .badge.tone-bad { background: var(--bad); }
svg { max-width: 100%; height: auto; font: 12px system-ui, sans-serif; }
svg .validity.tone-ok { fill: var(--ok); } svg .validity.tone-warn { fill: var(--warn); } svg .validity.tone-bad { fill: var(--bad); }
svg .no-certificate { fill: var(--bad); font-style: italic; }
svg .renewal { stroke: #1f2328; stroke-width: 3; }
svg #now { stroke: #0969da; stroke-width: 2; stroke-dasharray: 4 3; }
svg .now-label { fill: #0969da; }
svg .tick { stroke: #d0d7de; } svg .tick-label { fill: var(--muted); }
svg .name { fill: #1f2328; }
.legend span { margin-right: 16px; } .legend i { display: inline-block; width: 12px; height: 12px; vertical-align: -2px; margin-right: 4px; border-radius: 2px; }
`;

/** The page's line about the coordination lease, for backends that keep one (etcd): who leads, and how it renews. */
export function leadershipLine(lock: Pick<LockPort, 'backend' | 'health'>): string | undefined {
  const health = lock.health?.();
  if (health === undefined) return undefined;
  if (!health.leading)
    return `This service does not lead (${lock.backend}): ${health.problem ?? 'standing by'}`;
  return `This service leads (${lock.backend}) since ${health.since}; last confirmed renewal sent at ${health.lastRenewal}.`;
}

export function renderStatusPage(report: StatusReport, leadership?: string): string {
  const legend = [
    '<p class="legend muted">',
    '<span><i style="background: var(--ok)"></i>Ready</span>',
    '<span><i style="background: var(--warn)"></i>renewal due, files drift or work pending</span>',
    '<span><i style="background: var(--bad)"></i>missing, expired, invalid or failed</span>',
    '<span><i style="background: #1f2328; width: 3px"></i>renewal point</span>',
    '<span><i style="background: #0969da; width: 2px"></i>now</span>',
    '</p>',
  ].join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>certloop: ${escapeHtml(statusSummaryLine(report.summary))}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>certloop status</h1>
<p class="summary" id="summary">${escapeHtml(statusSummaryLine(report.summary))}</p>
<p class="muted">Manifest <code>${escapeHtml(report.manifest)}</code> · as of <time datetime="${escapeHtml(report.generatedAt)}">${escapeHtml(report.generatedAt)}</time> · certloop ${escapeHtml(VERSION)}</p>
${leadership === undefined ? '' : `<p class="muted" id="leader">${escapeHtml(leadership)}</p>`}
</header>
<main>
<h2>Expiry timeline</h2>
${renderTimeline(report)}
${legend}
<h2>Certificates</h2>
<table id="certificates">
<thead><tr><th>Name</th><th>State</th><th>Reason</th><th>Expires</th><th>Renews</th><th>Last result</th><th>Pending work</th><th>Issuer</th></tr></thead>
<tbody>
${report.certificates.map(renderRow).join('\n')}
</tbody>
</table>
</main>
</body>
</html>
`;
}
