/** A small log-log line chart as SVG text: no dependencies, readable in any browser or on GitHub. */

const W = 720;
const H = 420;
const M = { left: 70, right: 190, top: 40, bottom: 50 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];

const escapeXml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;');

function decades(min, max) {
  const out = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
  return out;
}

function label(value, unit) {
  if (unit === 'ms' && value >= 1000) return `${value / 1000} s`;
  return `${value} ${unit}`.trim();
}

/**
 * series: [{ name, points: [[x, y, yMin?, yMax?], ...], dashed? }]
 * Both axes logarithmic; y error bars from yMin..yMax when given.
 */
export function logLogChart({ title, xLabel, yUnit, series }) {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.flatMap((p) => [p[1], p[2] ?? p[1], p[3] ?? p[1]]));
  const xTicks = decades(Math.min(...xs), Math.max(...xs));
  const yTicks = decades(Math.min(...ys), Math.max(...ys));
  const [x0, x1] = [Math.log10(xTicks[0]), Math.log10(xTicks.at(-1))];
  const [y0, y1] = [Math.log10(yTicks[0]), Math.log10(yTicks.at(-1))];
  const px = (x) => M.left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const py = (y) => H - M.bottom - ((Math.log10(y) - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const t of xTicks) {
    parts.push(
      `<line x1="${px(t)}" y1="${M.top}" x2="${px(t)}" y2="${H - M.bottom}" stroke="#ddd"/>`,
      `<text x="${px(t)}" y="${H - M.bottom + 18}" text-anchor="middle">${t.toLocaleString('en')}</text>`,
    );
  }
  for (const t of yTicks) {
    parts.push(
      `<line x1="${M.left}" y1="${py(t)}" x2="${W - M.right}" y2="${py(t)}" stroke="#ddd"/>`,
      `<text x="${M.left - 6}" y="${py(t) + 4}" text-anchor="end">${label(t, yUnit)}</text>`,
    );
  }
  parts.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#888"/>`,
  );
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const path = s.points
      .map((p, k) => `${k ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`)
      .join(' ');
    parts.push(
      `<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    for (const [x, y, lo, hi] of s.points) {
      if (lo !== undefined && hi !== undefined) {
        parts.push(`<line x1="${px(x)}" y1="${py(lo)}" x2="${px(x)}" y2="${py(hi)}" stroke="${colour}"/>`);
      }
      parts.push(`<circle cx="${px(x)}" cy="${py(y)}" r="3.5" fill="${colour}"/>`);
    }
    const ly = M.top + 14 + i * 20;
    parts.push(
      `<line x1="${W - M.right + 12}" y1="${ly - 4}" x2="${W - M.right + 34}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${W - M.right + 40}" y="${ly}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
