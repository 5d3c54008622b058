/**
 * Getting text out of the page: a file download, and the clipboard (with a fallback for browsers
 * or contexts where the async Clipboard API is refused).
 */
export function downloadText(fileName: string, text: string, mime: string): void {
  downloadBytes(fileName, new TextEncoder().encode(text), mime);
}

export function downloadBytes(fileName: string, bytes: Uint8Array, mime: string): void {
  const blob = new Blob([bytes as BlobPart], { type: mime });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Copies text; resolves false when neither the Clipboard API nor execCommand could do it. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.append(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}

export const MIME = { bibtex: 'application/x-bibtex', ris: 'application/x-research-info-systems' } as const;
