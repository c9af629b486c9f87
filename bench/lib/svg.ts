/** Two small SVG charts written by hand (no browser, no dependency): grouped bars with whiskers, lines. */

export interface Bar {
  series: string;
  value: number;
  /** A whisker from low to high (an interquartile range or an interval), when known. */
  low?: number;
  high?: number;
}

export interface BarChart {
  title: string;
  yLabel: string;
  groups: { label: string; bars: Bar[] }[];
  /** A dashed horizontal line, e.g. a target. */
  reference?: { value: number; label: string };
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: { name: string; points: [number, number][] }[];
}

const WIDTH = 720;
const HEIGHT = 400;
const PLOT = { left: 70, right: 170, top: 40, bottom: 60 };
const COLOURS = ['#3b6ea8', '#d9822b', '#4f9a58', '#b04a5a', '#7a5ea8', '#7f7f7f'];

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fixed = (n: number) =>
  Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);

/** About five round tick values from min to max. */
function ticks(min: number, max: number): number[] {
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(min / nice) * nice; v <= max + nice * 1e-9; v += nice) out.push(v);
  return out;
}

function frame(title: string, body: string[], legend: string[]): string {
  const legendItems = legend.map(
    (name, i) =>
      `<rect x="${WIDTH - PLOT.right + 16}" y="${PLOT.top + i * 20}" width="12" height="12" fill="${COLOURS[i % COLOURS.length]}"/>` +
      `<text x="${WIDTH - PLOT.right + 34}" y="${PLOT.top + i * 20 + 10}">${escape(name)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${escape(title)}</text>`,
    ...body,
    ...legendItems,
    '</svg>',
    '',
  ]
    .join('\n')
    .replace(/(\d+\.\d)\d{3,}/g, '$1'); // coordinates to a tenth of a pixel
}

function yAxis(label: string, min: number, max: number, y: (v: number) => number): string[] {
  const right = WIDTH - PLOT.right;
  const lines = ticks(min, max).map(
    (v) =>
      `<line x1="${PLOT.left}" x2="${right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>` +
      `<text x="${PLOT.left - 6}" y="${y(v) + 4}" text-anchor="end">${fixed(v)}</text>`,
  );
  const mid = (PLOT.top + HEIGHT - PLOT.bottom) / 2;
  return [
    ...lines,
    `<line x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${HEIGHT - PLOT.bottom}" stroke="#333"/>`,
    `<text transform="translate(16 ${mid}) rotate(-90)" text-anchor="middle">${escape(label)}</text>`,
  ];
}

export function barChartSvg(chart: BarChart): string {
  const series = [...new Set(chart.groups.flatMap((g) => g.bars.map((b) => b.series)))];
  const top = Math.max(
    ...chart.groups.flatMap((g) => g.bars.map((b) => Math.max(b.value, b.high ?? 0))),
    chart.reference?.value ?? 0,
  );
  const bottom = Math.min(
    0,
    ...chart.groups.flatMap((g) => g.bars.map((b) => Math.min(b.value, b.low ?? 0))),
  );
  const max = top * 1.1 || 1;
  const min = bottom * 1.1;
  const plotH = HEIGHT - PLOT.top - PLOT.bottom;
  const y = (v: number) => PLOT.top + plotH * (1 - (v - min) / (max - min));
  const groupW = (WIDTH - PLOT.left - PLOT.right) / Math.max(chart.groups.length, 1);
  const barW = (groupW * 0.8) / Math.max(series.length, 1);
  const body = yAxis(chart.yLabel, min, max, y);
  body.push(`<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`);
  chart.groups.forEach((group, g) => {
    const x0 = PLOT.left + g * groupW + groupW * 0.1;
    body.push(
      `<text x="${x0 + groupW * 0.4}" y="${HEIGHT - PLOT.bottom + 18}" text-anchor="middle">${escape(group.label)}</text>`,
    );
    for (const bar of group.bars) {
      const i = series.indexOf(bar.series);
      const x = x0 + i * barW;
      const [a, b] = [y(bar.value), y(0)].sort((p, q) => p - q) as [number, number];
      body.push(
        `<rect x="${x}" y="${a}" width="${barW * 0.9}" height="${Math.max(b - a, 0.5)}" fill="${COLOURS[i % COLOURS.length]}"><title>${escape(`${bar.series}: ${fixed(bar.value)}`)}</title></rect>`,
        `<text x="${x + barW * 0.45}" y="${a - 4}" text-anchor="middle" font-size="10">${fixed(bar.value)}</text>`,
      );
      if (bar.low !== undefined && bar.high !== undefined) {
        const cx = x + barW * 0.45;
        body.push(
          `<line x1="${cx}" x2="${cx}" y1="${y(bar.low)}" y2="${y(bar.high)}" stroke="#111"/>`,
          `<line x1="${cx - 4}" x2="${cx + 4}" y1="${y(bar.low)}" y2="${y(bar.low)}" stroke="#111"/>`,
          `<line x1="${cx - 4}" x2="${cx + 4}" y1="${y(bar.high)}" y2="${y(bar.high)}" stroke="#111"/>`,
        );
      }
    }
  });
  if (chart.reference) {
    const ry = y(chart.reference.value);
    body.push(
      `<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${ry}" y2="${ry}" stroke="#b00" stroke-dasharray="6 4"/>`,
      `<text x="${WIDTH - PLOT.right - 4}" y="${ry - 4}" text-anchor="end" fill="#b00">${escape(chart.reference.label)}</text>`,
    );
  }
  return frame(chart.title, body, series);
}

export function lineChartSvg(chart: LineChart): string {
  const points = chart.series.flatMap((s) => s.points);
  const [xMin, xMax] = [Math.min(...points.map((p) => p[0])), Math.max(...points.map((p) => p[0]))];
  const yMax = Math.max(...points.map((p) => p[1])) * 1.1 || 1;
  const plotW = WIDTH - PLOT.left - PLOT.right;
  const plotH = HEIGHT - PLOT.top - PLOT.bottom;
  const x = (v: number) => PLOT.left + (plotW * (v - xMin)) / (xMax - xMin || 1);
  const y = (v: number) => PLOT.top + plotH * (1 - v / yMax);
  const body = yAxis(chart.yLabel, 0, yMax, y);
  for (const v of ticks(xMin, xMax)) {
    body.push(`<text x="${x(v)}" y="${HEIGHT - PLOT.bottom + 18}" text-anchor="middle">${fixed(v)}</text>`);
  }
  body.push(
    `<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`,
    `<text x="${PLOT.left + plotW / 2}" y="${HEIGHT - 16}" text-anchor="middle">${escape(chart.xLabel)}</text>`,
  );
  chart.series.forEach((s, i) => {
    const path = s.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ');
    body.push(
      `<polyline points="${path}" fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="2"/>`,
    );
  });
  return frame(
    chart.title,
    body,
    chart.series.map((s) => s.name),
  );
}
