/**
 * Links built from imported metadata. Only http(s) URLs are ever rendered as links: a
 * `javascript:` or `data:` URL in a BibTeX `url` field must not become clickable.
 */
export function safeHttpUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** `10.1000/xyz` (or a doi.org URL) → https://doi.org/10.1000/xyz; anything else → undefined. */
export function doiUrl(doi: string): string | undefined {
  const m = doi.trim().match(/^(?:https?:\/\/(?:dx\.)?doi\.org\/|doi:)?(10\.\d{4,9}\/\S+)$/i);
  return m ? `https://doi.org/${encodeURI(m[1]).replace(/[?#]/g, encodeURIComponent)}` : undefined;
}

/** arXiv ids: new style 2101.00001 (4+4/5 digits), old style hep-th/9901001 (as import/record.ts stores them). */
const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})$/i;

/** A stored arXiv id → https://arxiv.org/abs/<id>; anything not shaped like an id → undefined. */
export function arxivUrl(id: string | undefined): string | undefined {
  const v = id?.trim();
  return v && ARXIV_ID.test(v) ? `https://arxiv.org/abs/${v}` : undefined;
}

export interface PaperLink {
  /** What the link opens: 'doi', 'arxiv', 'url'. */
  kind: 'doi' | 'arxiv' | 'url';
  label: string;
  href: string;
}

/**
 * Every way to open a paper, each built from a validated id (DOI, arXiv) or an http(s) URL only.
 * The URL is left out when it points where the DOI or arXiv link already goes.
 */
export function paperLinks(p: { doi?: string; arxiv?: string; url?: string }): PaperLink[] {
  const out: PaperLink[] = [];
  const doi = p.doi ? doiUrl(p.doi) : undefined;
  if (doi) out.push({ kind: 'doi', label: `doi:${p.doi!.trim()}`, href: doi });
  const arxiv = arxivUrl(p.arxiv);
  if (arxiv) out.push({ kind: 'arxiv', label: `arXiv:${p.arxiv!.trim()}`, href: arxiv });
  const url = safeHttpUrl(p.url);
  if (url && !out.some((l) => l.href === url) && !(arxiv && /arxiv\.org\/(abs|pdf)\//i.test(url)) && !(doi && /doi\.org\//i.test(url))) {
    let host = 'link';
    try {
      host = new URL(url).hostname.replace(/^www\./, '');
    } catch {
      // safeHttpUrl parsed it already
    }
    out.push({ kind: 'url', label: host, href: url });
  }
  return out;
}
