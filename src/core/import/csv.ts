/**
 * CSV / TSV with a header row (Zotero, Scopus, Web of Science, spreadsheets) via papaparse, which
 * handles quoted fields with embedded delimiters, doubled quotes and newlines. Columns are found by
 * header name, case- and punctuation-insensitively, with the synonyms of common exporters.
 */
import Papa from 'papaparse';
import type { Paper, ParseIssue, ParseResult } from '../types.ts';
import { ImportError } from './errors.ts';
import { excerpt } from './limits.ts';
import { buildPaper, LineIndex, type RawRecord, type RecordLimits } from './record.ts';

type Column = keyof RawRecord;

/** Normalised header name → field. Normalised = lower case, letters and digits only. */
const SYNONYMS: Record<Column, string[]> = {
  title: ['title', 'articletitle', 'papertitle', 'documenttitle', 'ti'],
  abstract: ['abstract', 'abstractnote', 'summary', 'description', 'ab', 'abstracttext'],
  authors: ['authors', 'author', 'creators', 'creator', 'authorfullnames', 'au', 'af', 'authornames'],
  year: ['year', 'publicationyear', 'pubyear', 'py', 'date', 'publicationdate', 'published', 'pubdate'],
  venue: ['venue', 'journal', 'publicationtitle', 'sourcetitle', 'source', 'journaltitle', 'booktitle', 'conference', 'so', 'publication'],
  doi: ['doi', 'di'],
  url: ['url', 'link', 'ur', 'links'],
};

export function normalizeHeader(h: string): string {
  return h.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Column index per field for one header row; earlier synonyms win (e.g. "Publication Year" over "Date"). */
export function mapHeader(cells: string[]): Partial<Record<Column, number>> {
  const norm = cells.map(normalizeHeader);
  const out: Partial<Record<Column, number>> = {};
  for (const [col, names] of Object.entries(SYNONYMS) as [Column, string[]][]) {
    for (const n of names) {
      const i = norm.indexOf(n);
      if (i >= 0) {
        out[col] = i;
        break;
      }
    }
  }
  return out;
}

/** True when the first line of `text` is a header naming a title column, split by `delim`. */
export function hasTitleHeader(firstLine: string, delim: string): boolean {
  const cells = firstLine.split(delim).map((c) => c.trim().replace(/^"|"$/g, ''));
  return cells.length >= 2 && cells.some((c) => SYNONYMS.title.includes(normalizeHeader(c)));
}

/** How many leading rows may precede the header (exporters sometimes add a banner line). */
const HEADER_SEARCH_ROWS = 5;

export function parseDelimitedText(
  text: string,
  delimiter: ',' | '\t' | undefined,
  collection: string | undefined,
  limits: RecordLimits,
): ParseResult {
  const issues: ParseIssue[] = [];
  const papers: Paper[] = [];
  const lines = new LineIndex(text);
  const kind = delimiter === '\t' ? 'TSV' : 'CSV';

  let header: Partial<Record<Column, number>> | undefined;
  let headerWidth = 0;
  let rowNo = 0;
  let prevCursor = 0;
  let dataRows = 0;
  let mismatchReported = 0;
  const preamble: string[][] = [];

  Papa.parse<string[]>(text, {
    delimiter: delimiter ?? '',
    delimitersToGuess: [',', '\t', ';', '|'],
    skipEmptyLines: false,
    step: (res, parser) => {
      const start = prevCursor;
      prevCursor = res.meta.cursor;
      rowNo++;
      const row = res.data;
      const line = lines.lineAt(start);
      if (row.length === 1 && row[0]!.trim() === '') return; // blank line
      if (!header) {
        const map = mapHeader(row);
        if (map.title !== undefined) {
          header = map;
          headerWidth = row.length;
        } else if (preamble.push(row) >= HEADER_SEARCH_ROWS) parser.abort();
        return;
      }
      dataRows++;
      const quoteError = res.errors.find((e) => e.code === 'MissingQuotes');
      if (quoteError) {
        issues.push({
          entry: rowNo,
          line,
          message: `Row ${rowNo} (line ${line}): a quoted field is opened but never closed, so the rest of the file from line ${line} could not be read. Rows before it are kept.`,
          excerpt: excerpt(row.join(kind === 'TSV' ? ' ' : ', ')),
        });
        return;
      }
      if (row.length !== headerWidth && mismatchReported++ < 10) {
        issues.push({
          entry: rowNo,
          line,
          message: `Row ${rowNo} (line ${line}) has ${row.length} fields but the header has ${headerWidth}; ${row.length < headerWidth ? 'missing fields are left empty' : 'columns may be shifted — check this entry'}.`,
          excerpt: excerpt(row.join(' | ')),
        });
      }
      const get = (c: Column) => {
        const i = header![c];
        return i === undefined ? undefined : row[i];
      };
      const paper = buildPaper(
        { title: get('title'), abstract: get('abstract'), authors: get('authors'), year: get('year'), venue: get('venue'), doi: get('doi'), url: get('url') },
        { entry: rowNo, line, noun: 'row' },
        collection,
        limits,
        issues,
      );
      if (paper) papers.push(paper);
    },
  });
  if (mismatchReported > 10) issues.push({ message: `${mismatchReported - 10} more rows have a different number of fields than the header.` });

  if (!header) {
    const seen = preamble[0]?.slice(0, 12).map((c) => `"${excerpt(c)}"`).join(', ') ?? '';
    throw new ImportError(
      'bad-structure',
      `No title column found in the first ${HEADER_SEARCH_ROWS} rows of this ${kind} file` +
        (seen ? ` (first row: ${seen})` : '') +
        `. The header row needs a column named "Title" (also accepted: ${SYNONYMS.title.join(', ')}), and ideally "Abstract".`,
    );
  }
  if (dataRows === 0) issues.push({ message: `The ${kind} file has a header row but no data rows.` });
  return { papers, issues };
}
