/**
 * The seed corpus's layout shipped by the build (scripts/precompute-map.ts → public/precomputed/
 * maps.json + map.*.json), read the way shipped vectors are (vectors/shipped.ts): a cache, never an
 * authority. A map is returned only for the asked vector key, with the announced byte length and
 * (where WebCrypto exists) sha256, and a well-formed body; the caller still uses it only under an
 * equal persistence key (key.ts). Any doubt → undefined, and the map is laid out on this device.
 */
import { sha256HexIfAvailable } from '../vectors/shipped-format.ts';
import { mapFromJson, type PaperMap } from './map-format.ts';

/** Must match scripts/precompute-map.ts MAPS_FORMAT / MAPS_VERSION (the writer). */
const MAPS_FORMAT = 'abstract-atlas/maps';
const MAPS_VERSION = 1;

interface Entry {
  key: string;
  vectorKey: string;
  file: string;
  bytes: number;
  sha256: string;
}

export type ShippedMapResult = { map: PaperMap } | { map?: undefined; reason: string };

export async function loadShippedMap(baseUrl: string, vectorKey: string, fetchFn: typeof fetch = globalThis.fetch.bind(globalThis)): Promise<ShippedMapResult> {
  try {
    const dir = new URL('precomputed/', new URL(baseUrl, globalThis.location?.href ?? 'http://localhost/'));
    const res = await fetchFn(new URL('maps.json', dir).href);
    if (!res.ok) return { reason: `maps.json: HTTP ${res.status}` };
    const index = (await res.json()) as { format?: unknown; version?: unknown; maps?: Entry[] };
    if (index.format !== MAPS_FORMAT || index.version !== MAPS_VERSION || !Array.isArray(index.maps)) return { reason: 'maps.json has an unknown format' };
    const entry = index.maps.find((m) => m && m.vectorKey === vectorKey);
    if (!entry || typeof entry.file !== 'string' || /[/\\]/.test(entry.file)) return { reason: `no shipped map for ${vectorKey}` };
    const r = await fetchFn(new URL(entry.file, dir).href);
    if (!r.ok) return { reason: `${entry.file}: HTTP ${r.status}` };
    const bytes = new Uint8Array(await r.arrayBuffer());
    if (bytes.byteLength !== entry.bytes) return { reason: `${entry.file} has ${bytes.byteLength} bytes, maps.json says ${entry.bytes}` };
    const sha = await sha256HexIfAvailable(bytes);
    if (sha !== undefined && sha !== entry.sha256) return { reason: `${entry.file} does not match its sha256` };
    const map = mapFromJson(JSON.parse(new TextDecoder().decode(bytes)));
    if (map.key !== entry.key) return { reason: `${entry.file} is keyed ${map.key}, maps.json says ${entry.key}` };
    return { map };
  } catch (e) {
    return { reason: `shipped map unusable: ${e instanceof Error ? e.message : String(e)}` };
  }
}
