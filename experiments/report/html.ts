// HTML building blocks of the report: escaping (every piece of text from a result
// goes through `esc`), tables, the paper-comparison table and the meta block.
import type { Cell, PaperComparison, ResultMeta, Table } from '../types.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A fragment id from a name (ids are also used in CSS selectors by the browser test). */
export function anchor(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_');
}

export function cell(v: Cell | undefined): string {
  if (v === null || v === undefined) return '<td class="na">—</td>';
  if (typeof v === 'number') {
    const s = Math.abs(v) >= 100 ? v.toLocaleString('en-US', { maximumFractionDigits: 1 }) : Number(v.toPrecision(4)).toString();
    return `<td class="num">${esc(s)}</td>`;
  }
  if (typeof v === 'boolean') return `<td class="${v ? 'yes' : 'no'}">${v ? 'yes' : 'no'}</td>`;
  return `<td>${esc(v)}</td>`;
}

export function table(t: Table, sectionId: string): string {
  const head = t.columns.map((c) => `<th>${esc(c.label)}${c.unit ? ` <span class="unit">(${esc(c.unit)})</span>` : ''}</th>`).join('');
  const body = t.rows.length
    ? t.rows.map((r) => `<tr>${t.columns.map((c) => cell(r[c.key])).join('')}</tr>`).join('\n')
    : `<tr class="empty"><td colspan="${t.columns.length}">no rows</td></tr>`;
  return `<figure class="table" id="${anchor(`${sectionId}-table-${t.id}`)}" data-table="${esc(t.id)}" data-rows="${t.rows.length}">
<figcaption>${esc(t.title)} <a class="csv" href="${esc(encodeURI(`${sectionId}/${t.id}.csv`))}">CSV</a></figcaption>
<table><thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody></table></figure>`;
}

export function paperTable(rows: PaperComparison[]): string {
  if (!rows.length) return '';
  return `<figure class="paper"><figcaption>The paper's figures beside ours</figcaption>
<table><thead><tr><th>paper</th><th>what</th><th>paper's number</th><th>ours</th><th>why they differ, or agree</th></tr></thead>
<tbody>
${rows.map((p) => `<tr><td>${esc(p.figure)}</td><td>${esc(p.what)}</td><td class="theirs">${esc(p.paper)}</td><td class="ours">${esc(p.ours)}</td><td class="note">${esc(p.note)}</td></tr>`).join('\n')}
</tbody></table></figure>`;
}

export function metaBlock(m: ResultMeta): string {
  const traces = m.inputs.traces.map((t) => `${esc(t.path)} <span class="dim">(${esc(t.packets.toLocaleString('en-US'))} packets, sha256 ${esc(t.sha256.slice(0, 12))}…)</span>`).join('<br>');
  const seeds = Object.entries(m.seeds).map(([k, v]) => `${esc(k)}=${esc(v)}`).join(', ') || 'none';
  const args = Object.entries(m.args).map(([k, v]) => `${esc(k)}=${esc(JSON.stringify(v))}`).join(', ') || 'none';
  const mc = m.machine;
  return `<dl class="meta">
<dt>commit</dt><dd>${esc(m.commit)}${m.dirty ? ' <span class="warn">(uncommitted changes)</span>' : ''}</dd>
<dt>date</dt><dd>${esc(m.date)} (took ${esc((m.elapsedMs / 1000).toFixed(1))} s)</dd>
<dt>machine</dt><dd>${esc(mc.hostname)}: ${esc(mc.cpus)} × ${esc(mc.cpuModel)}, ${esc(mc.memGiB)} GiB, ${esc(mc.os)}, Node ${esc(mc.node)}</dd>
<dt>traces</dt><dd>${traces || 'none'}</dd>
<dt>middleboxes</dt><dd>${esc(m.inputs.middleboxes.join(', ') || 'none')}</dd>
<dt>seeds</dt><dd>${seeds}</dd>
<dt>options</dt><dd>${args}</dd>
</dl>`;
}

export const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px; padding: 1em 2em 4em; color: #1b1b1b; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { border-top: 2px solid #ddd; padding-top: .8em; margin-top: 2em; }
.dim, .unit { color: #666; font-weight: normal; }
table { border-collapse: collapse; margin: .4em 0 1em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; vertical-align: top; text-align: left; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.yes { color: #176f2c; } td.no { color: #b3261e; } td.na { color: #999; text-align: center; }
tr.empty td { color: #b3261e; font-style: italic; }
figure { margin: 1em 0; } figcaption { font-weight: 600; margin-bottom: .2em; }
figure.plot svg { max-width: 100%; height: auto; border: 1px solid #eee; }
.paper td.theirs, .paper td.ours { font-weight: 600; max-width: 240px; } .paper td.note { max-width: 460px; color: #333; }
figure.table, figure.paper { overflow-x: auto; }
.checks { border: 2px solid #888; border-radius: 6px; padding: .6em 1em; margin: 1em 0; background: #fafafa; }
.checks li { margin: .2em 0; } .pass { color: #176f2c; font-weight: 700; } .fail { color: #b3261e; font-weight: 700; }
.notrun { color: #8a5a00; font-weight: 600; } .warn { color: #b3261e; }
.error { border: 2px solid #b3261e; background: #fff3f2; padding: .5em 1em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; font-size: 12px; color: #444; background: #f8f8f8; padding: .5em 1em; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
nav ol { columns: 2; }
`;
