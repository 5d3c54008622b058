/** Shapes shared by the map components and their hosts (kept out of .svelte files so plain TS can import them). */
export interface FrameInfo {
  /** Points drawn this frame (level of detail while moving; all when at rest). */
  count: number;
  /** Time since the previous frame of the same interaction (ms), 0 for the first. */
  dt: number;
  moving: boolean;
  /** Drawing-buffer resolution relative to full (LOW_RES while moving on slow GL), 1 at rest. */
  scale?: number;
}
