/**
 * Fetches a model file whole, reporting download progress. Shared by the transformer embedder and
 * the static model so both read the same way (one place for the "no Content-Length" rule below).
 */
export interface DownloadProgress {
  file: string;
  loaded: number;
  total: number;
  stage: 'download';
}

/**
 * `pinned` is the registry's size of the file. It is the total shown in progress: a host that
 * compresses the file sends no Content-Length (or the compressed one), so neither the header nor
 * the bytes received so far say how big the file is.
 */
export async function fetchBytes(url: string, label: string, pinned: number, onProgress?: (p: DownloadProgress) => void): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new Error(`Could not fetch ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new Error(`Could not fetch ${url}: HTTP ${res.status}`);
  const total = pinned > 0 ? pinned : Number(res.headers.get('content-length')) || 0;
  if (!res.body || !onProgress) return new Uint8Array(await res.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress({ file: label, loaded, total: Math.max(total, loaded), stage: 'download' });
  }
  const out = new Uint8Array(loaded);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}
