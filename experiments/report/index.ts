// experiments/report: every `<outRoot>/<name>/result.json` gathered into one
// self-contained `<outRoot>/report.html` (SVG plots inline, tables as HTML).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSpec } from '../plot/index.js';
import type { ExperimentResult } from '../types.js';
import { EXPECTED, gather, type Gathered } from './gather.js';
import { anchor, esc, metaBlock, paperTable, STYLE, table } from './html.js';

export { EXPECTED, gather, shapeProblem, type Gathered } from './gather.js';
export { esc } from './html.js';

/** Section titles of the issue's experiments (a result carries its name, not its title). */
const TITLES: Record<string, string> = {
  table3: 'Table 3: state variables per middlebox, precision and recall',
  table4: 'Table 4: analysis time and peak memory',
  fig11: 'Figure 11: per-packet state transfer of the asset monitor (PRADS) and the other middleboxes',
  fig12: 'Figure 12: per-packet state transfer of the IDS (Snort)',
  soundness: 'Soundness: failover never changes the output',
  overhead: 'Overhead of the instrumentation (§7.2.1)',
  failover: 'Failover: detection, takeover, resume, and replication throughput',
};

export interface ReportOptions {
  /** Experiments listed as "not run" when their result is missing (default: the issue's seven). */
  expected?: string[];
  /** Page title. */
  title?: string;
}

export interface ReportOutcome {
  path: string;
  /** Unreadable results and plots that failed to render: shown in the page, listed here for the caller. */
  problems: string[];
}

async function plots(r: ExperimentResult, name: string, file: string, problems: string[]): Promise<string> {
  const out: string[] = [];
  for (const p of r.plots) {
    const id = anchor(`${name}-plot-${p.id}`);
    try {
      const { svg } = await renderSpec(p.spec, { plot: p.id, file });
      out.push(`<figure class="plot" id="${id}" data-plot="${esc(p.id)}"><figcaption>${esc(p.title)}</figcaption>\n${svg}\n</figure>`);
    } catch (e) {
      const why = (e as Error).message;
      problems.push(why);
      out.push(`<figure class="plot" id="${id}" data-plot="${esc(p.id)}"><figcaption>${esc(p.title)}</figcaption><div class="error">plot not rendered: ${esc(why)}</div></figure>`);
    }
  }
  return out.join('\n');
}

function checkLine(g: Gathered): string {
  const href = `#${anchor(g.name)}`;
  if (g.state === 'not run') return `<li><a href="${href}">${esc(g.name)}</a>: <span class="notrun">not run</span></li>`;
  if (g.state === 'unreadable') return `<li><a href="${href}">${esc(g.name)}</a>: <span class="fail">result unreadable</span></li>`;
  const c = g.result.check;
  if (!c) return '';
  return `<li><a href="${href}">${esc(g.name)}</a>: <span class="${c.passed ? 'pass' : 'fail'}">${c.passed ? 'PASSED' : 'FAILED'}</span> — ${esc(c.detail)}</li>`;
}

async function section(g: Gathered, problems: string[]): Promise<string> {
  const id = anchor(g.name);
  const title = TITLES[g.name] ?? g.name;
  if (g.state === 'not run') {
    return `<section id="${id}" class="experiment notrun-section" data-state="not run"><h2>${esc(title)}</h2>
<p class="notrun">Not run: no ${esc(`${g.name}/result.json`)} in this output folder. Run <code>statelab experiment ${esc(g.name)}</code>.</p></section>`;
  }
  if (g.state === 'unreadable') {
    problems.push(`${g.file}: ${g.reason}`);
    return `<section id="${id}" class="experiment" data-state="unreadable"><h2>${esc(title)}</h2>
<div class="error">The result file ${esc(g.file)} could not be read: ${esc(g.reason)}</div></section>`;
  }
  const r = g.result;
  const check = r.check ? `<p class="check">Check: <span class="${r.check.passed ? 'pass' : 'fail'}">${r.check.passed ? 'PASSED' : 'FAILED'}</span> — ${esc(r.check.detail)}</p>` : '';
  return `<section id="${id}" class="experiment" data-state="ok"><h2>${esc(title)} <span class="dim">(${esc(g.name)})</span></h2>
<p class="summary">${esc(r.summary)}</p>
${check}
${paperTable(r.paper)}
${r.tables.map((t) => table(t, g.name)).join('\n')}
${await plots(r, g.name, g.file, problems)}
${metaBlock(r.meta)}
</section>`;
}

/** Build the report page; the CLI prints `problems` and the path. */
export async function buildReport(outRoot: string, o: ReportOptions = {}): Promise<ReportOutcome> {
  const all = gather(outRoot, o.expected);
  const problems: string[] = [];
  const sections: string[] = [];
  for (const g of all) sections.push(await section(g, problems));
  const ran = all.filter((g) => g.state === 'ok').length;
  const checks = all.map(checkLine).filter(Boolean).join('\n');
  const toc = all
    .map((g) => `<li><a href="#${anchor(g.name)}">${esc(TITLES[g.name] ?? g.name)}</a>${g.state === 'ok' ? '' : ` <span class="notrun">(${esc(g.state)})</span>`}</li>`)
    .join('\n');
  const title = o.title ?? 'statelab: evaluation report';
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="dim">Built ${esc(new Date().toISOString())} from ${esc(outRoot)}: ${ran} of ${all.length} experiments have results. StateAlyzr (NSDI '16) §7 reproduced on statelab's own middleboxes; each section gives our numbers beside the paper's.</p>
<div class="checks"><strong>Checks</strong> (soundness: every failover run's output equals one instance's)
<ul>
${checks || '<li>no experiment made a check</li>'}
</ul></div>
<nav><strong>Contents</strong><ol>
${toc}
</ol></nav>
${sections.join('\n')}
</body></html>
`;
  const path = join(outRoot, 'report.html');
  writeFileSync(path, html);
  return { path, problems };
}

/** The runner's hook (experiments/registry.ts `WriteReport`): writes the report and returns its path. */
export async function writeReport(outRoot: string): Promise<string> {
  const r = await buildReport(outRoot);
  for (const p of r.problems) process.stderr.write(`report: ${p}\n`);
  return r.path;
}
