// The HTML report in headless Chromium (Debian's chromium via playwright-core): built
// from real compact results (fixtures/compact, written by `statelab experiment ... --compact`),
// every table and plot the result files name is present and non-empty — tables have
// rows, plots have marks with a non-zero box — and a screenshot is saved. A report
// with an empty table or plot fails the same checks.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../experiments/report/index.js';
import type { ExperimentResult } from '../../experiments/types.js';
import { fakeResult, writeFake } from './fixtures/results.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'compact');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Seen {
  sections: { name: string; state: string }[];
  tables: { section: string; id: string; rows: number; emptyMarker: boolean; visible: boolean }[];
  plots: { section: string; id: string; svg: boolean; marks: number; visibleMarks: number; error: string | null }[];
}

/** What the page shows, measured by the browser (layout boxes), not by reading our HTML back. */
async function inspect(page: Page): Promise<Seen> {
  return page.evaluate(() => {
    const box = (e: Element): DOMRect => e.getBoundingClientRect();
    const sections = [...document.querySelectorAll('section.experiment')].map((s) => ({ name: s.id, state: s.getAttribute('data-state') ?? '' }));
    const tables = [...document.querySelectorAll('section.experiment figure.table')].map((f) => {
      const t = f.querySelector('table');
      const rows = t ? [...t.querySelectorAll('tbody tr')].filter((r) => !r.classList.contains('empty')) : [];
      return {
        section: f.closest('section')!.id,
        id: f.getAttribute('data-table') ?? '',
        rows: rows.filter((r) => box(r).height > 0 && (r.textContent ?? '').trim() !== '').length,
        emptyMarker: !!t?.querySelector('tbody tr.empty'),
        visible: !!t && box(t).width > 0 && box(t).height > 0,
      };
    });
    const plots = [...document.querySelectorAll('section.experiment figure.plot')].map((f) => {
      const svg = f.querySelector('svg');
      // vega draws data as children of `g.role-mark` groups; axes, legends and titles have other roles.
      const marks = svg ? [...svg.querySelectorAll('g.role-mark > *')] : [];
      return {
        section: f.closest('section')!.id,
        id: f.getAttribute('data-plot') ?? '',
        svg: !!svg && box(svg).width > 0 && box(svg).height > 0,
        marks: marks.length,
        visibleMarks: marks.filter((m) => box(m).width > 0 && box(m).height > 0).length,
        error: f.querySelector('.error')?.textContent ?? null,
      };
    });
    return { sections, tables, plots };
  });
}

/** The checks, against what the result files say should be there; returns the failures. */
function failures(seen: Seen, results: Map<string, ExperimentResult>): string[] {
  const bad: string[] = [];
  for (const [name, r] of results) {
    const sec = seen.sections.find((s) => s.name === name);
    if (!sec || sec.state !== 'ok') {
      bad.push(`${name}: section missing or not ok (${sec?.state})`);
      continue;
    }
    for (const t of r.tables) {
      const got = seen.tables.find((x) => x.section === name && x.id === t.id);
      if (!got) bad.push(`${name}/${t.id}: table missing`);
      else if (!got.visible || got.rows === 0 || got.emptyMarker) bad.push(`${name}/${t.id}: table empty (${got.rows} rows shown)`);
      else if (got.rows !== t.rows.length) bad.push(`${name}/${t.id}: ${got.rows} rows shown, result has ${t.rows.length}`);
    }
    for (const p of r.plots) {
      const got = seen.plots.find((x) => x.section === name && x.id === p.id);
      if (!got) bad.push(`${name}/${p.id}: plot missing`);
      else if (!got.svg) bad.push(`${name}/${p.id}: no visible SVG${got.error ? `: ${got.error}` : ''}`);
      else if (got.visibleMarks === 0) bad.push(`${name}/${p.id}: no mark with a non-zero box (${got.marks} marks)`);
    }
  }
  return bad;
}

let browser: Browser;
const root = mkdtempSync(join(tmpdir(), 'h16-browser-'));

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS, timeout: 30_000 });
});
afterAll(async () => {
  await browser?.close();
  rmSync(root, { recursive: true, force: true });
});

async function open(out: string): Promise<{ page: Page; seen: Seen; results: Map<string, ExperimentResult> }> {
  const { path } = await buildReport(out);
  const results = new Map<string, ExperimentResult>();
  for (const d of readdirSync(out, { withFileTypes: true })) {
    if (d.isDirectory()) results.set(d.name, JSON.parse(readFileSync(join(out, d.name, 'result.json'), 'utf8')) as ExperimentResult);
  }
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(`file://${path}`);
  return { page, seen: await inspect(page), results };
}

describe('report in headless Chromium', () => {
  it('shows every table and plot of real compact results, non-empty', async () => {
    const out = join(root, 'real');
    cpSync(FIXTURES, out, { recursive: true });
    const { page, seen, results } = await open(out);
    expect([...results.keys()].sort()).toEqual(['failover', 'fig11', 'fig12', 'overhead']);
    expect(failures(seen, results)).toEqual([]);
    // the counts the checks ran over are the result files' own
    const tables = [...results.values()].reduce((a, r) => a + r.tables.length, 0);
    const plots = [...results.values()].reduce((a, r) => a + r.plots.length, 0);
    expect(seen.tables.length).toBe(tables);
    expect(seen.plots.length).toBe(plots);
    expect(plots).toBeGreaterThanOrEqual(5);
    // experiments without results are listed as not run
    expect(seen.sections.filter((s) => s.state === 'not run').map((s) => s.name)).toEqual(expect.arrayContaining(['table3', 'table4', 'soundness']));
    const shot = join(tmpdir(), 'statelab-report-screenshot.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    process.stderr.write(`report screenshot: ${shot}\n`);
    await page.close();
  });

  it('fails the same checks for an empty table, a plot with no data and a plot whose marks have no area', async () => {
    const out = join(root, 'broken');
    const r = fakeResult('fig11');
    r.tables[0]!.rows = [];
    r.plots[0]!.spec = { mark: 'bar', data: { values: [] } };
    // bars of height 0 on a linear scale: a valid spec that draws nothing visible
    r.plots[1]!.spec = { mark: 'bar', data: { values: [{ a: 'x', b: 0 }, { a: 'y', b: 0 }] }, encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } } };
    writeFake(out, r);
    const good = fakeResult('fig12');
    writeFake(out, good);
    const { page, seen, results } = await open(out);
    const f = failures(seen, results);
    expect(f).toEqual([
      'fig11/bytes: table empty (0 rows shown)',
      expect.stringMatching(/^fig11\/bars: no visible SVG: plot not rendered: .*no rows/),
      'fig11/line: no mark with a non-zero box (2 marks)',
    ]);
    await page.close();
  });
});
