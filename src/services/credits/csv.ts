/** One CSV record and the physical line it starts on (1-based), for error messages that name the line. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

/**
 * RFC 4180: comma-separated fields, optional double quotes around a field, `""` for a quote inside one, CRLF or LF
 * between records, line breaks allowed inside quotes. A UTF-8 BOM and one final line break are accepted; a quote
 * inside an unquoted field, text after a closing quote or an unclosed quote are errors.
 */
export function parseCsv(text: string): CsvRecord[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let pos = 0;
  while (pos < src.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (src[pos] === '"') {
        pos += 1;
        for (;;) {
          if (pos >= src.length) throw new CsvSyntaxError(start, 'quoted field is never closed');
          const ch = src[pos];
          if (ch === '"') {
            if (src[pos + 1] === '"') { value += '"'; pos += 2; continue; }
            pos += 1;
            break;
          }
          if (ch === '\n') line += 1;
          value += ch;
          pos += 1;
        }
        const next = src[pos];
        if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && src[pos + 1] === '\n')) {
          throw new CsvSyntaxError(line, 'text after a closing quote');
        }
      } else {
        while (pos < src.length && src[pos] !== ',' && src[pos] !== '\n' && !(src[pos] === '\r' && src[pos + 1] === '\n')) {
          if (src[pos] === '"') throw new CsvSyntaxError(line, 'a quote inside an unquoted field');
          value += src[pos];
          pos += 1;
        }
      }
      fields.push(value);
      if (src[pos] === ',') { pos += 1; continue; }
      if (src[pos] === '\r') pos += 1;
      if (src[pos] === '\n') { pos += 1; line += 1; }
      break;
    }
    records.push({ line: start, fields });
  }
  return records;
}
