// Rewrites the few GNU spellings tree-sitter-c cannot parse, in place: lines
// are always kept (locations stay exact); columns too, except inside va_arg.

/** Replaces `from` by `to` padded with spaces to the same length. */
function sameLength(text: string, re: RegExp, to: string): string {
  return text.replace(re, (m) => to + ' '.repeat(Math.max(0, m.length - to.length)));
}

/** `__attribute__((...))` anywhere (tree-sitter-c rejects it after a declarator): blanked, newlines kept. */
function stripAttributes(text: string): string {
  const re = /\b__attribute__?\s*\(/g;
  let out = '';
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 0;
    let i = m.index + m[0].length - 1;
    for (; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 40) depth++;
      else if (ch === 41 && --depth === 0) break;
    }
    if (depth !== 0) break; // unbalanced: leave the rest alone
    out += text.slice(last, m.index) + text.slice(m.index, i + 1).replace(/[^\n]/g, ' ');
    last = i + 1;
    re.lastIndex = last;
  }
  return out + text.slice(last);
}

/**
 * `__builtin_va_arg(ap, T)` → `(T)__va_arg(ap)`: the type becomes a cast the parser
 * understands. gcc -E splits this expansion over several lines; the newlines
 * are kept (after the rewrite), so lines stay exact and only columns move.
 */
function rewriteVaArg(text: string): string {
  return text.replace(/__builtin_va_arg\s*\(\s*([A-Za-z_][\w.>-]*)\s*,([^()]*)\)/g, (m, ap: string, type: string) => {
    const nl = m.split('\n').length - 1;
    const s = `(${type.replace(/\s+/g, ' ').trim()})__va_arg(${ap})`;
    const pad = m.length - nl - s.length;
    return pad >= 0 ? s + ' '.repeat(pad) + '\n'.repeat(nl) : s + '\n'.repeat(nl);
  });
}

export function normalizeGnu(text: string): string {
  let t = text;
  if (t.includes('__signed__')) t = sameLength(t, /\b__signed__\b/g, 'signed');
  if (t.includes('__builtin_offsetof')) t = sameLength(t, /\b__builtin_offsetof\b/g, 'offsetof');
  if (t.includes('__attribute')) t = stripAttributes(t);
  if (t.includes('__builtin_va_arg')) t = rewriteVaArg(t);
  return t;
}
