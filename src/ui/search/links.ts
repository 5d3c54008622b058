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
