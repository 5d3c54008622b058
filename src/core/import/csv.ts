/**
 * CSV / TSV with a header row (Zotero, Scopus, Web of Science, spreadsheets) via papaparse, which
 * handles quoted fields with embedded delimiters, doubled quotes and newlines. Columns are found by
 * header name, case- and punctuation-insensitively, with the synonyms of common exporters.
 */
import Papa from 'papaparse';
import type { Paper, ParseIssue, ParseResult } from '../types.ts';
import { ImportError } from './errors.ts';
import { excerpt } from './limits.ts';
import { buildPaper, LineIndex, type RawRecord, type RecordLimits, type RecordPlace } from './record.ts';

type Column = Exclude<keyof RawRecord, 'nameStyle' | 'keepMarkup'>;

/** Normalised header name → field. Normalised = lower case, letters and digits only. */
const SYNONYMS: Record<Column, string[]> = {
  title: ['title', 'articletitle', 'papertitle', 'documenttitle', 'ti'],
  shortTitle: ['shorttitle', 'st'],
  arxiv: ['arxiv', 'arxivid', 'eprint'],
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

/** Parses one physical line as a row; with quotes disabled when they do not balance. */
function splitLine(line: string, delimiter: string): string[] {
  const strict = Papa.parse<string[]>(line, { delimiter, skipEmptyLines: false });
  if (!strict.errors.length && strict.data.length === 1) return strict.data[0]!;
  const loose = Papa.parse<string[]>(line, { delimiter, quoteChar: '\u0001', skipEmptyLines: false });
  return (loose.data[0] ?? []).map((c) => c.replace(/^\s*"|"\s*$/g, '').replaceAll('""', '"'));
}

export function parseDelimitedText(
  input: string,
  delimiter: ',' | '\t' | undefined,
  collection: string | undefined,
  limits: RecordLimits,
): ParseResult {
  const issues: ParseIssue[] = [];
  const papers: Paper[] = [];
  const places: RecordPlace[] = [];
  // Mixed line ends (CR, LF and CRLF in one file) would make papaparse split on the first kind it
  // sees only and glue the other rows together: one kind of line end for everything.
  const text = input.includes('\r') ? input.replace(/\r\n?/g, '\n') : input;
  const lines = new LineIndex(text);
  const kind = delimiter === '\t' ? 'TSV' : 'CSV';

  let header: Partial<Record<Column, number>> | undefined;
  let headerWidth = 0;
  let rowNo = 0;
  let prevCursor = 0;
  let dataRows = 0;
  let mismatchReported = 0;
  let usedDelimiter: string = delimiter ?? ',';
  const preamble: string[][] = [];

  const addRow = (row: string[], line: number) => {
    dataRows++;
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
    const place: RecordPlace = { entry: rowNo, line, noun: 'row' };
    const paper = buildPaper(
      {
        title: get('title'),
        shortTitle: get('shortTitle'),
        abstract: get('abstract'),
        authors: get('authors'),
        // Zotero, Scopus and WoS write "Family, Given; …": a name without a comma is an organisation.
        nameStyle: 'inverted',
        year: get('year'),
        venue: get('venue'),
        doi: get('doi'),
        url: get('url'),
        arxiv: get('arxiv'),
      },
      place,
      collection,
      limits,
      issues,
    );
    if (paper) {
      papers.push(paper);
      places.push(place);
    }
  };

  Papa.parse<string[]>(text, {
    delimiter: delimiter ?? '',
    delimitersToGuess: [',', '\t', ';', '|'],
    newline: '\n',
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
          usedDelimiter = res.meta.delimiter || usedDelimiter;
        } else if (preamble.push(row) >= HEADER_SEARCH_ROWS) parser.abort();
        return;
      }
      const quoteError = res.errors.find((e) => e.code === 'MissingQuotes');
      const badQuote = res.errors.some((e) => e.code === 'InvalidQuotes');
      if (quoteError || (badQuote && row.some((c) => c.includes('\n')))) {
        // A quote opened and not closed where its field ends swallows the next lines (up to the
        // next quote, or the end of the file): read the span line by line instead, and say so.
        const span = text.slice(start, res.meta.cursor).replace(/\n$/, '').split('\n');
        const endLine = line + span.length - 1;
        issues.push({
          entry: rowNo,
          line,
          message:
            `Row ${rowNo} (line ${line}): a quoted field is opened but not closed where it ends` +
            (span.length > 1 ? `, which ran it into line${span.length > 2 ? `s ${line + 1}–${endLine}` : ` ${endLine}`}; each line was read as its own row — check ${span.length > 2 ? 'these entries' : 'both entries'}.` : '; read without the stray quote — check this entry.'),
          excerpt: excerpt(span[0] ?? ''),
        });
        span.forEach((l, k) => {
          if (!l.trim()) return;
          if (k > 0) rowNo++;
          addRow(splitLine(l, usedDelimiter), line + k);
        });
        return;
      }
      if (badQuote) {
        issues.push({ entry: rowNo, line, message: `Row ${rowNo} (line ${line}) has a stray quote inside a quoted field; read as written — check this entry.`, excerpt: excerpt(row.join(' | ')) });
      }
      addRow(row, line);
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
  else if (papers.length === 0) {
    // First, so it is the first thing read even when the per-row list is capped.
    issues.unshift({ message: `None of the ${dataRows} data rows of this ${kind} file has a title (column ${header.title! + 1} of the header); nothing to import.` });
  }
  return { papers, places, issues, entries: dataRows };
}
