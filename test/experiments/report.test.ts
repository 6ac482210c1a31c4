// experiments/report: one self-contained page from result.json files — escaped text,
// HTML tables, inline SVG, paper beside ours, meta, checks, "not run" and unreadable results.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport, esc, gather } from '../../experiments/report/index.js';
import { fakeResult, writeFake } from './fixtures/results.js';

const root = mkdtempSync(join(tmpdir(), 'h16-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fresh = (name: string): string => {
  const d = join(root, name);
  mkdirSync(d);
  return d;
};

describe('buildReport', () => {
  it('gathers every result into one page with tables, inline plots, the paper beside ours and meta', async () => {
    const out = fresh('ok');
    writeFake(out, fakeResult('fig11'));
    writeFake(out, fakeResult('soundness', { check: { passed: true, detail: '300 runs, 0 not equivalent' }, plots: [] }));
    const { path, problems } = await buildReport(out);
    expect(problems).toEqual([]);
    const html = readFileSync(path, 'utf8');
    expect(path).toBe(join(out, 'report.html'));
    const fig11 = html.slice(html.indexOf('<section id="fig11"'), html.indexOf('</section>', html.indexOf('<section id="fig11"')));
    expect(fig11).toContain('<p class="summary">fig11: a reading of the result.</p>');
    expect(fig11).toMatch(/<td class="num">30,123.5<\/td>/);
    expect(fig11).toMatch(/<td class="no">no<\/td>/);
    expect(fig11.match(/<svg /g)).toHaveLength(2);
    expect(fig11).toContain('<td class="theirs">305×</td><td class="ours">301×</td>');
    expect(fig11).toContain('abc1234');
    expect(fig11).toContain('seeds</dt><dd>flow=7');
    expect(fig11).toContain('href="fig11/bytes.csv"');
    // the soundness check is shown at the top, before any section
    const top = html.slice(0, html.indexOf('<section'));
    expect(top).toMatch(/soundness<\/a>: <span class="pass">PASSED<\/span> — 300 runs, 0 not equivalent/);
    // experiments the issue names but this folder lacks are listed as not run, in the contents and as sections
    for (const missing of ['table3', 'table4', 'fig12', 'overhead', 'failover']) {
      expect(html).toMatch(new RegExp(`<section id="${missing}" class="experiment notrun-section" data-state="not run">`));
    }
    expect(html).not.toMatch(/<section id="fig11"[^>]*data-state="not run"/);
    // self-contained: no external scripts, styles or images
    expect(html).not.toMatch(/<script|<link|<img|src="http/);
  });

  it('escapes every piece of text from a result', async () => {
    const out = fresh('esc');
    const evil = '<script>alert(1)</script> & "q"';
    const r = fakeResult('fig12', { summary: evil, paper: [{ figure: evil, what: evil, paper: evil, ours: evil, note: evil }] });
    r.tables[0]!.title = evil;
    r.tables[0]!.rows.push({ mbox: evil, all: 1, ok: true });
    r.tables[0]!.columns[0]!.label = evil;
    r.meta.inputs.middleboxes = [evil];
    writeFake(out, r);
    const html = readFileSync((await buildReport(out)).path, 'utf8');
    expect(html).not.toContain('<script>');
    expect(html.split(esc(evil)).length - 1).toBeGreaterThanOrEqual(9);
    expect(esc(evil)).toBe('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;');
  });

  it('keeps going past an unreadable result or a broken plot, and says so in the page and to the caller', async () => {
    const out = fresh('bad');
    mkdirSync(join(out, 'table3'));
    writeFileSync(join(out, 'table3', 'result.json'), '{"meta": ');
    mkdirSync(join(out, 'table4'));
    writeFileSync(join(out, 'table4', 'result.json'), JSON.stringify({ meta: { schemaVersion: 2 } }));
    const r = fakeResult('fig11');
    r.plots[1]!.spec = { mark: 'line', data: { values: [] } };
    r.tables[0]!.rows = [];
    writeFake(out, r);
    const { path, problems } = await buildReport(out);
    const html = readFileSync(path, 'utf8');
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/table3\/result\.json: invalid JSON/);
    expect(problems[1]).toMatch(/table4\/result\.json: "meta.schemaVersion" is 2/);
    expect(problems[2]).toMatch(/plot "line": data.values: no rows/);
    expect(html).toMatch(/<section id="table3" class="experiment" data-state="unreadable">/);
    expect(html).toContain('plot not rendered');
    expect(html).toMatch(/data-rows="0"[\s\S]*<tr class="empty"><td colspan="3">no rows<\/td><\/tr>/);
  });

  it('lists everything as not run for an empty folder, and names extra experiments after the expected ones', async () => {
    const out = fresh('empty');
    expect(gather(out).every((g) => g.state === 'not run')).toBe(true);
    writeFake(out, fakeResult('zzz-extra'));
    expect(gather(out, ['fig11']).map((g) => `${g.name}:${g.state}`)).toEqual(['fig11:not run', 'zzz-extra:ok']);
  });
});
