/**
 * Text out of the bits of HTML that exporters leave in bibliographic fields: Zotero's rich-text
 * titles (`<i>p</i>-Value`, `<b>Research Commentary</b>`, `<span class="nocase">`), Crossref's
 * JATS abstracts (`<jats:p>`, `<jats:italic>`), MathML, and entities (`41&ndash;60 h`).
 *
 * Only formatting tags from a fixed list are removed (block tags become a space); any other
 * tag-like text — `<script>`, `<img onerror=…>`, "a <b and c> d" — is left as literal text, which
 * the UI shows as text (never as HTML). Named entities outside the table below are left as
 * written; numeric ones (`&#8211;`, `&#x2013;`) are always decoded. Pure and linear.
 */

/** Formatting tags removed with their markup kept out (content kept). Matched case-insensitively,
 *  with or without a namespace prefix (jats:, mml:, xhtml:). */
const INLINE = new Set([
  'a', 'abbr', 'b', 'big', 'bold', 'cite', 'code', 'em', 'emph', 'font', 'i', 'italic', 'mark', 'nocase', 'q', 's', 'sc', 'scp',
  'small', 'smallcaps', 'span', 'strike', 'strong', 'sub', 'sup', 'tt', 'u', 'underline', 'var', 'monospace', 'inline-formula',
  'math', 'mi', 'mn', 'mo', 'mrow', 'msub', 'msup', 'msubsup', 'mfrac', 'msqrt', 'mtext', 'mstyle', 'semantics', 'annotation', 'ext-link', 'xref',
]);
const BLOCK = new Set(['p', 'br', 'div', 'li', 'ul', 'ol', 'dl', 'dt', 'dd', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'pre', 'title', 'sec', 'list', 'list-item', 'abstract', 'label', 'caption', 'table', 'tr', 'td', 'th']);

// <tag attr="v" attr='v' attr=v attr>, </tag>, <tag/>; a name starts with a letter.
const TAG = /<\/?((?:[a-z][\w-]*:)?([a-z][\w-]*))((?:\s+[\w:.-]+(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>=`]+))?)*)\s*\/?>/gi;

const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest ' +
  'Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig ' +
  'agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml';
const GREEK_UPPER = 'Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho - Sigma Tau Upsilon Phi Chi Psi Omega';
const GREEK_LOWER = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigmaf sigma tau upsilon phi chi psi omega';

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", ndash: '–', mdash: '—', hellip: '…', lsquo: '‘', rsquo: '’', sbquo: '‚', ldquo: '“',
  rdquo: '”', bdquo: '„', lsaquo: '‹', rsaquo: '›', bull: '•', prime: '′', Prime: '″', minus: '−', le: '≤', ge: '≥', ne: '≠', asymp: '≈',
  equiv: '≡', infin: '∞', sum: '∑', prod: '∏', radic: '√', part: '∂', nabla: '∇', isin: '∈', notin: '∉', cap: '∩', cup: '∪', sim: '∼',
  larr: '←', rarr: '→', uarr: '↑', darr: '↓', harr: '↔', lArr: '⇐', rArr: '⇒', hArr: '⇔', trade: '™', euro: '€', dagger: '†', Dagger: '‡',
  permil: '‰', thinsp: '\u2009', ensp: '\u2002', emsp: '\u2003', zwnj: '\u200C', zwj: '\u200D', lrm: '\u200E', rlm: '\u200F', middot: '·',
  thetasym: 'ϑ', upsih: 'ϒ', piv: 'ϖ', oelig: 'œ', OElig: 'Œ', scaron: 'š', Scaron: 'Š', Yuml: 'Ÿ', fnof: 'ƒ', circ: 'ˆ', tilde: '˜',
};
LATIN1.split(' ').forEach((n, i) => (ENTITIES[n] = String.fromCharCode(0xa0 + i)));
GREEK_UPPER.split(' ').forEach((n, i) => n !== '-' && (ENTITIES[n] = String.fromCharCode(0x391 + i)));
GREEK_LOWER.split(' ').forEach((n, i) => (ENTITIES[n] = String.fromCharCode(0x3b1 + i)));

const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));/g;

function fromCodePoint(cp: number, raw: string): string {
  // NUL, surrogates and out-of-range code points are not text: keep what was written.
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return raw;
  return String.fromCodePoint(cp);
}

/** `&ndash;` → "–", `&#233;` → "é"; unknown names stay as written. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY, (raw, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (dec) return fromCodePoint(Number(dec), raw);
    if (hex) return fromCodePoint(parseInt(hex, 16), raw);
    return ENTITIES[name!] ?? raw;
  });
}

/** Removes the formatting tags listed above (see the module comment); everything else stays. */
export function stripFormattingTags(s: string): string {
  if (!s.includes('<')) return s;
  return s.replace(TAG, (tag, _full: string, local: string) => {
    const name = local.toLowerCase();
    if (BLOCK.has(name)) return ' ';
    if (INLINE.has(name)) return '';
    return tag;
  });
}

/**
 * Plain text of a field that may hold exporter HTML: tags first (so `&lt;b&gt;` written as text
 * stays a literal "<b>"), then entities.
 */
export function htmlToText(s: string): string {
  return decodeEntities(stripFormattingTags(s));
}
