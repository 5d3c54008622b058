/**
 * Which cluster labels the map shows at the current zoom: greedy by cluster size, a label is shown
 * only where its box does not overlap one already placed and lies inside the view. Zoomed out only
 * the largest clusters are named; zooming in spreads the centres and the smaller ones appear —
 * that is the "sensible zoom" rule, with no thresholds to tune. Pure; sizes come from the caller.
 */
import { worldToScreen, type Camera } from './camera.ts';

export interface LabelCandidate {
  id: number;
  size: number;
  center: [number, number];
  text: string;
}

export interface PlacedLabel {
  id: number;
  text: string;
  /** Centre of the label in CSS pixels. */
  x: number;
  y: number;
}

export function placeLabels(
  labels: readonly LabelCandidate[],
  cam: Camera,
  width: number,
  height: number,
  measure: (text: string) => { w: number; h: number },
  margin = 4,
): PlacedLabel[] {
  const order = [...labels].sort((a, b) => b.size - a.size || a.id - b.id);
  const boxes: [number, number, number, number][] = [];
  const out: PlacedLabel[] = [];
  for (const l of order) {
    if (!l.text) continue;
    const [x, y] = worldToScreen(cam, width, height, l.center[0], l.center[1]);
    const { w, h } = measure(l.text);
    const box: [number, number, number, number] = [x - w / 2 - margin, y - h / 2 - margin, x + w / 2 + margin, y + h / 2 + margin];
    if (box[0] < 0 || box[1] < 0 || box[2] > width || box[3] > height) continue;
    if (boxes.some((b) => box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1])) continue;
    boxes.push(box);
    out.push({ id: l.id, text: l.text, x, y });
  }
  return out;
}
