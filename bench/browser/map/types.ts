import type { MapCluster } from '../../../src/core/map/map-format.ts';

/** What the driver hands the map harness page (the same props the app passes MapView). */
export interface HarnessData {
  ids: string[];
  coords: Float32Array;
  titles: string[];
  cluster: Int32Array;
  clusters: MapCluster[];
  years?: (number | undefined)[];
  collections?: (string | undefined)[];
  dark?: boolean;
}
