/**
 * BERT WordPiece tokenisation (normaliser + pre-tokeniser + WordPiece model), pure TypeScript, for
 * the static embedder: the same token ids as the teacher's tokenizer as transformers.js runs it
 * (@huggingface/tokenizers' BertNormalizer, BertPreTokenizer and WordPiece; tests/unit/wordpiece.test.ts
 * compares the two on the seed corpus and on adversarial text), without special tokens.
 *
 * Why not that library itself: measured here it builds in ~500 ms and tokenises ~1,700 abstracts/s in
 * Node — the static tier's whole budget is ≥ 2,000 abstracts/s *including* the vector sums, and a
 * reload must answer within a second. This module builds in ~20 ms and memoises each distinct word's
 * pieces, so a library's text costs one regex pass plus a Map lookup per word.
 *
 * Faithfulness notes (each mirrors the reference, quirks included):
 * - clean text: drop U+0000, U+FFFD and Cc/Cf/Co/Cs characters except \t \n \r; JS `\s` → ' '.
 * - CJK padding looks at UTF-16 code units, so only BMP ideographs are padded (as the reference does).
 * - lowercase, then (strip_accents unset + lowercase) NFD and remove Mn marks.
 * - split: `[^\s P]+ | [P]` where P = \p{P} plus ASCII symbols; words over 100 code points → [UNK].
 * - added tokens ([CLS], [SEP], …) written literally in the raw text are matched before normalising.
 */

export interface WordPieceConfig {
  /** Token string per id. */
  vocab: readonly string[];
  unkToken: string;
  continuingSubwordPrefix: string;
  maxInputCharsPerWord: number;
  lowercase: boolean;
  /** Strip accents (NFD + drop Mn). The BERT normaliser does this when unset and lowercasing. */
  stripAccents: boolean;
  cleanText: boolean;
  handleChineseChars: boolean;
  /** Added tokens matched verbatim in un-normalised text (normalized: false in tokenizer.json). */
  addedTokens: readonly string[];
}

const PUNCT = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const WORDS = new RegExp(`[^\\s${PUNCT}]+|[${PUNCT}]`, 'gu');
const CONTROL = /^\p{Cc}|\p{Cf}|\p{Co}|\p{Cs}$/u;
const SPACE = /^\s$/;
const MARKS = /\p{Mn}/gu;
/** Text the fast path may normalise with toLowerCase() alone (printable ASCII, tab, newline, CR). */
const PLAIN_ASCII = /^[\t\n\r\x20-\x7e]*$/;
const ASCII_SPACE = /[\t\n\r]/g;
const SURROGATE = /[\ud800-\udfff]/;

/** Character classes of ASCII for the fast split (same classes as WORDS on ASCII text). */
const SPACE_CHAR = 0;
const WORD = 1;
const PUNCT_CHAR = 2;
const ASCII_CLASS = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    t[c] = /\s/.test(ch) ? SPACE_CHAR : new RegExp(`[${PUNCT}]`, 'u').test(ch) ? PUNCT_CHAR : WORD;
  }
  return t;
})();

/** Distinct words memoised before the cache is dropped and rebuilt (bounds memory on huge libraries). */
const WORD_CACHE_LIMIT = 200_000;

function isChineseCodeUnit(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0xf900 && cp <= 0xfaff);
}

export class WordPieceTokenizer {
  readonly config: WordPieceConfig;
  readonly unkId: number;
  private readonly ids = new Map<string, number>();
  private readonly added = new Map<string, number>();
  private readonly addedFirstChars: string;
  /** Code points of the longest vocabulary entry (an upper bound on any piece's length). */
  private readonly maxPieceChars: number;
  private words = new Map<string, readonly number[]>();

  constructor(config: WordPieceConfig) {
    this.config = config;
    let longest = 0;
    config.vocab.forEach((t, i) => {
      if (!this.ids.has(t)) this.ids.set(t, i);
      longest = Math.max(longest, [...t].length);
    });
    this.maxPieceChars = longest;
    const unk = this.ids.get(config.unkToken);
    if (unk === undefined) throw new Error(`WordPiece vocabulary has no unknown token ${config.unkToken}`);
    this.unkId = unk;
    for (const t of config.addedTokens) {
      const id = this.ids.get(t);
      if (id === undefined) throw new Error(`Added token ${t} is not in the vocabulary`);
      this.added.set(t, id);
    }
    this.addedFirstChars = [...new Set(config.addedTokens.map((t) => t[0]))].join('');
  }

  get vocabSize(): number {
    return this.config.vocab.length;
  }

  /** Token ids of `text`, without [CLS]/[SEP]; appended to `out` when given. */
  encode(text: string, out: number[] = []): number[] {
    if (this.added.size && this.mayHaveAdded(text)) {
      for (const part of this.splitAdded(text)) {
        if (typeof part === 'number') out.push(part);
        else this.encodeSection(part, out);
      }
      return out;
    }
    this.encodeSection(text, out);
    return out;
  }

  /** Normalised text (for tests and diagnostics). */
  normalize(text: string): string {
    const c = this.config;
    if (PLAIN_ASCII.test(text)) {
      const t = c.cleanText ? text.replace(ASCII_SPACE, ' ') : text;
      return c.lowercase ? t.toLowerCase() : t;
    }
    let t = text;
    if (c.cleanText) {
      let s = '';
      for (const ch of t) {
        const cp = ch.charCodeAt(0);
        if (cp === 0 || cp === 0xfffd) continue;
        if (ch !== '\t' && ch !== '\n' && ch !== '\r' && CONTROL.test(ch)) continue;
        s += SPACE.test(ch) ? ' ' : ch;
      }
      t = s;
    }
    if (c.handleChineseChars) {
      let s = '';
      for (let i = 0; i < t.length; i++) {
        const ch = t[i]!;
        s += isChineseCodeUnit(ch.charCodeAt(0)) ? ` ${ch} ` : ch;
      }
      t = s;
    }
    if (c.lowercase) t = t.toLowerCase();
    if (c.stripAccents) t = t.normalize('NFD').replace(MARKS, '');
    return t;
  }

  private encodeSection(raw: string, out: number[]): void {
    const ascii = PLAIN_ASCII.test(raw);
    const text = this.normalize(raw).trim();
    if (!text) return;
    if (ascii) {
      // Normalised plain-ASCII text: a char-class scan splits it exactly as WORDS does (in ASCII,
      // \s is \t\n\v\f\r and space, and \p{P} lies inside the symbol ranges), without the Unicode
      // regex and its match objects — the static tier's largest cost on a library's first pass.
      let start = -1;
      for (let i = 0; i < text.length; i++) {
        const k = ASCII_CLASS[text.charCodeAt(i)]!;
        if (k === WORD) {
          if (start < 0) start = i;
          continue;
        }
        if (start >= 0) {
          this.pushWord(text.slice(start, i), out);
          start = -1;
        }
        if (k === PUNCT_CHAR) this.pushWord(text[i]!, out);
      }
      if (start >= 0) this.pushWord(text.slice(start), out);
      return;
    }
    for (const m of text.matchAll(WORDS)) this.pushWord(m[0], out);
  }

  private pushWord(w: string, out: number[]): void {
    let pieces = this.words.get(w);
    if (pieces === undefined) {
      pieces = this.wordPieces(w);
      if (this.words.size >= WORD_CACHE_LIMIT) this.words = new Map();
      this.words.set(w, pieces);
    }
    for (let i = 0; i < pieces.length; i++) out.push(pieces[i]!);
  }

  /** Greedy longest-match-first WordPiece of one pre-tokenised word. */
  private wordPieces(word: string): readonly number[] {
    const c = this.config;
    // Without surrogate pairs code units are code points, and slicing the string is exact.
    const units = !SURROGATE.test(word);
    const chars = units ? undefined : [...word];
    const n = chars ? chars.length : word.length;
    if (n > c.maxInputCharsPerWord) return [this.unkId];
    const piece = (a: number, b: number) => (chars ? chars.slice(a, b).join('') : word.slice(a, b));
    const pieces: number[] = [];
    let start = 0;
    while (start < n) {
      // No vocabulary entry is longer than maxPieceChars code points, so longer candidates cannot
      // match: starting there gives the same greedy longest match with fewer lookups.
      let end = Math.min(n, start + this.maxPieceChars);
      let found: number | undefined;
      while (start < end) {
        let sub = piece(start, end);
        if (start > 0) sub = c.continuingSubwordPrefix + sub;
        found = this.ids.get(sub);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.unkId];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }

  private mayHaveAdded(text: string): boolean {
    for (const ch of this.addedFirstChars) if (text.includes(ch)) return true;
    return false;
  }

  /** Splits raw text at literal added tokens (longest match, left to right), as the reference does. */
  private splitAdded(text: string): (string | number)[] {
    const parts: (string | number)[] = [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      let match: string | undefined;
      for (const t of this.added.keys()) if (text.startsWith(t, i) && (!match || t.length > match.length)) match = t;
      if (match) {
        if (i > start) parts.push(text.slice(start, i));
        parts.push(this.added.get(match)!);
        i += match.length;
        start = i;
      } else i++;
    }
    if (start < text.length) parts.push(text.slice(start));
    return parts;
  }
}

/** The WordPiece config of a Hugging Face tokenizer.json, or an error naming what is not supported. */
export function wordPieceConfigFromTokenizerJson(json: unknown): WordPieceConfig {
  const t = json as {
    normalizer?: { type?: string; clean_text?: boolean; handle_chinese_chars?: boolean; strip_accents?: boolean | null; lowercase?: boolean };
    pre_tokenizer?: { type?: string };
    model?: { type?: string; vocab?: Record<string, number>; unk_token?: string; continuing_subword_prefix?: string; max_input_chars_per_word?: number };
    added_tokens?: { content: string; normalized?: boolean; lstrip?: boolean; rstrip?: boolean; single_word?: boolean }[];
  };
  const n = t.normalizer;
  if (n?.type !== 'BertNormalizer') throw new Error(`tokenizer.json: normalizer ${n?.type} is not supported (BertNormalizer only)`);
  if (t.pre_tokenizer?.type !== 'BertPreTokenizer') throw new Error(`tokenizer.json: pre_tokenizer ${t.pre_tokenizer?.type} is not supported (BertPreTokenizer only)`);
  const m = t.model;
  if (m?.type !== 'WordPiece' || !m.vocab) throw new Error(`tokenizer.json: model ${m?.type} is not supported (WordPiece only)`);
  const added = t.added_tokens ?? [];
  for (const a of added) {
    if (a.normalized || a.lstrip || a.rstrip || a.single_word) throw new Error(`tokenizer.json: added token ${a.content} has options this tokenizer does not implement`);
  }
  const vocab: string[] = [];
  for (const [tok, id] of Object.entries(m.vocab)) vocab[id] = tok;
  for (let i = 0; i < vocab.length; i++) if (vocab[i] === undefined) throw new Error(`tokenizer.json: vocabulary has no token for id ${i}`);
  const lowercase = n.lowercase ?? true;
  return {
    vocab,
    unkToken: m.unk_token ?? '[UNK]',
    continuingSubwordPrefix: m.continuing_subword_prefix ?? '##',
    maxInputCharsPerWord: m.max_input_chars_per_word ?? 100,
    lowercase,
    stripAccents: n.strip_accents === null || n.strip_accents === undefined ? lowercase : n.strip_accents,
    cleanText: n.clean_text ?? true,
    handleChineseChars: n.handle_chinese_chars ?? true,
    addedTokens: added.map((a) => a.content),
  };
}
