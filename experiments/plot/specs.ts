// Vega-Lite spec builders for the experiments' figures: grouped bars (Figure 11a/12
// style, optionally log-scaled) and per-packet line series (Figure 11b style).

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export interface BarRow {
  /** The x group (e.g. the middlebox). */
  group: string;
  /** The bar within the group (e.g. the transfer model). */
  series: string;
  value: number;
  /** Shown above the bar; defaults to the value. */
  label?: string;
}

/** Bars grouped by `group`, one colour per `series`; log scale for values spanning decades. */
export function groupedBars(o: {
  title: string;
  rows: BarRow[];
  groupTitle: string;
  seriesTitle: string;
  valueTitle: string;
  log?: boolean;
  seriesOrder?: string[];
}): Record<string, unknown> {
  // A log scale cannot show 0: such bars are drawn at the axis floor and labelled "0".
  const floor = o.log ? Math.min(...o.rows.filter((r) => r.value > 0).map((r) => r.value), 1) / 2 : 0;
  const values = o.rows.map((r) => ({
    ...r,
    shown: o.log && r.value <= 0 ? floor : r.value,
    label: r.label ?? formatValue(r.value),
  }));
  const order = o.seriesOrder ?? [...new Set(o.rows.map((r) => r.series))];
  const y = { field: 'shown', type: 'quantitative', title: o.valueTitle, stack: null, ...(o.log ? logAxis(values.map((v) => v.shown)) : {}) };
  return {
    $schema: SCHEMA,
    title: o.title,
    data: { values },
    width: { step: 34 },
    height: 260,
    encoding: {
      x: { field: 'group', type: 'nominal', title: o.groupTitle, axis: { labelAngle: 0 } },
      xOffset: { field: 'series', type: 'nominal', sort: order },
      y,
      color: { field: 'series', type: 'nominal', title: o.seriesTitle, sort: order, legend: { labelLimit: 400 } },
    },
    layer: [
      { mark: { type: 'bar' }, encoding: { tooltip: [{ field: 'group' }, { field: 'series' }, { field: 'value', type: 'quantitative' }] } },
      { mark: { type: 'text', dy: -4, fontSize: 8, baseline: 'bottom' }, encoding: { text: { field: 'label' }, color: { value: '#333' } } },
    ],
  };
}

export interface LinePoint {
  x: number;
  y: number;
  series: string;
}

/** One line per series over x (e.g. state bytes after each packet of one flow, per model). */
export function lineSeries(o: { title: string; points: LinePoint[]; xTitle: string; yTitle: string; seriesTitle: string; log?: boolean; seriesOrder?: string[] }): Record<string, unknown> {
  const order = o.seriesOrder ?? [...new Set(o.points.map((p) => p.series))];
  const floor = o.log ? Math.min(...o.points.filter((p) => p.y > 0).map((p) => p.y), 1) / 2 : 0;
  const values = o.points.map((p) => ({ ...p, shown: o.log && p.y <= 0 ? floor : p.y }));
  return {
    $schema: SCHEMA,
    title: o.title,
    data: { values },
    width: 520,
    height: 260,
    mark: { type: 'line', point: { size: 14 }, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xTitle },
      y: { field: 'shown', type: 'quantitative', title: o.yTitle, ...(o.log ? logAxis(values.map((v) => v.shown)) : {}) },
      color: { field: 'series', type: 'nominal', title: o.seriesTitle, sort: order, legend: { labelLimit: 400 } },
      tooltip: [{ field: 'series' }, { field: 'x', type: 'quantitative' }, { field: 'y', type: 'quantitative' }],
    },
  };
}

/** A log scale whose ticks and grid lines are the decades the data spans (vega's default adds 2× and 5× ticks). */
function logAxis(ys: number[]): Record<string, unknown> {
  const pos = ys.filter((y) => y > 0);
  const lo = Math.floor(Math.log10(Math.min(...pos, 1)));
  const hi = Math.ceil(Math.log10(Math.max(...pos, 1)));
  const values = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  return { scale: { type: 'log', domain: [values[0], values[values.length - 1]] }, axis: { values, format: ',~r' } };
}

/** A short number: 3 significant digits, thousands grouped. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(3)).toString();
}
