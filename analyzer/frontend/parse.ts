// The one place that loads tree-sitter-c: parses preprocessed C text.
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';

let parser: Parser | undefined;

export function parseC(text: string): Parser.Tree {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(C as unknown as Parser.Language);
  }
  // The binding copies the input through a buffer; size it to the text so long units parse in one go.
  return parser.parse(text, null, { bufferSize: Math.max(32 * 1024, text.length * 2 + 16) });
}
