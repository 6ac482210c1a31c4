// CSV of a result table (RFC 4180): a header of column labels (with units), one line
// per row; fields with a comma, quote or newline are quoted.
import type { Cell, Table } from './types.js';

function field(v: Cell | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function tableToCsv(t: Table): string {
  const head = t.columns.map((c) => field(c.unit ? `${c.label} (${c.unit})` : c.label));
  const lines = [head.join(',')];
  for (const row of t.rows) lines.push(t.columns.map((c) => field(row[c.key])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Parse CSV text back into rows of strings (for tests and for readers of our own files). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cur);
      cur = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cur);
      rows.push(row);
      row = [];
      cur = '';
    } else cur += ch;
  }
  if (cur !== '' || row.length) {
    row.push(cur);
    rows.push(row);
  }
  return rows;
}
