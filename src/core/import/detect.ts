/**
 * Which parser a file goes to. The extension is a hint; the content decides when it clearly says
 * otherwise (Zotero exports saved as .txt, a JSON file named .bib, …), and the user is told.
 */
import { hasTitleHeader } from './csv.ts';

export type TextFormat = 'bibtex' | 'ris' | 'csv' | 'tsv' | 'json' | 'jsonl' | 'text';
export type ImportFormat = TextFormat | 'bundle';

const EXTENSIONS: Record<string, ImportFormat> = {
  bib: 'bibtex',
  bibtex: 'bibtex',
  biblatex: 'bibtex',
  ris: 'ris',
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  json: 'json',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  txt: 'text',
  text: 'text',
  atlas: 'bundle',
};

export const FORMAT_NAMES: Record<ImportFormat, string> = {
  bibtex: 'BibTeX',
  ris: 'RIS',
  csv: 'CSV',
  tsv: 'TSV',
  json: 'JSON',
  jsonl: 'JSON Lines',
  text: 'plain text (title line, abstract line)',
  bundle: 'Abstract Atlas bundle',
};

export function formatFromExtension(fileName: string): ImportFormat | undefined {
  const m = /\.([a-z0-9]+)$/i.exec(fileName.trim());
  return m ? EXTENSIONS[m[1]!.toLowerCase()] : undefined;
}

function firstLines(text: string, n: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (out.length < n && i < text.length) {
    let j = text.indexOf('\n', i);
    if (j < 0) j = text.length;
    const line = text.slice(i, j).replace(/\r$/, '');
    if (line.trim()) out.push(line);
    i = j + 1;
  }
  return out;
}

/** Format the content itself announces, or undefined when it has no clear signature. */
export function sniffFormat(text: string): TextFormat | undefined {
  const head = text.slice(0, 64 * 1024).replace(/^\uFEFF/, '');
  const lines = firstLines(head, 2);
  const first = lines[0]?.trim() ?? '';
  if (/^\[\s*([{\["\]]|$)/.test(first)) return 'json';
  if (first.startsWith('{')) {
    // JSON Lines when the first line is a complete object and more lines follow.
    if (lines.length > 1 && lines[1]!.trim().startsWith('{')) {
      try {
        JSON.parse(first);
        return 'jsonl';
      } catch {
        /* a multi-line JSON object */
      }
    }
    return 'json';
  }
  if (/^TY\s{1,2}-/.test(first)) return 'ris';
  if (/^[ \t]*@\s*[a-zA-Z]+\s*[{(]/m.test(head)) return 'bibtex';
  if (first.includes('\t') && hasTitleHeader(first, '\t')) return 'tsv';
  if (hasTitleHeader(first, ',') || hasTitleHeader(first, ';')) return 'csv';
  return undefined;
}

/** Combines extension and content. `note` explains an override for the issue list. */
export function chooseFormat(fileName: string, text: string): { format: TextFormat; note?: string } {
  const byExt = formatFromExtension(fileName);
  const sniffed = sniffFormat(text);
  if (byExt === undefined || byExt === 'bundle') return { format: sniffed ?? 'text' };
  if (sniffed === undefined || sniffed === byExt) return { format: byExt };
  // Close relatives (CSV/TSV, JSON/JSONL): the content is right about the delimiter/framing.
  // A .jsonl whose first line is broken sniffs as multi-line JSON: the extension is right there.
  if (byExt === 'jsonl' && sniffed === 'json') return { format: byExt };
  const related = (a: string, b: string) => (a === 'csv' && b === 'tsv') || (a === 'tsv' && b === 'csv') || (a === 'json' && b === 'jsonl');
  if (related(byExt, sniffed)) return { format: sniffed };
  return {
    format: sniffed,
    note: `"${fileName}" is named like a ${FORMAT_NAMES[byExt]} file but its content is ${FORMAT_NAMES[sniffed]}; read it as ${FORMAT_NAMES[sniffed]}.`,
  };
}
