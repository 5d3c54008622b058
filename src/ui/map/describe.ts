/**
 * The map's text description (its accessible alternative, with the cluster list): what is on it,
 * how it is coloured and what a search or selection highlights. Plain text, never HTML.
 */
export interface DescribeInput {
  papers: number;
  clusters: { size: number; terms: string[] }[];
  colourBy: string;
  /** Papers placed from neighbours since the last full layout. */
  placed?: number;
  hits?: number;
  selected?: number;
}

export function clusterName(terms: readonly string[]): string {
  return terms.length ? terms.join(' · ') : 'unnamed';
}

export function describeMap(d: DescribeInput): string {
  if (d.papers === 0) return 'The map is empty: add papers to see them laid out by similarity.';
  const parts = [
    `Map of ${d.papers} paper${d.papers === 1 ? '' : 's'}, placed so that papers about similar things are close together.`,
  ];
  if (d.clusters.length > 0) {
    const top = d.clusters.slice(0, 3).map((c) => `${clusterName(c.terms)} (${c.size})`);
    parts.push(`${d.clusters.length} cluster${d.clusters.length === 1 ? '' : 's'}; the largest are ${top.join(', ')}.`);
  }
  parts.push(`Points are coloured by ${d.colourBy}.`);
  if (d.placed) parts.push(`${d.placed} paper${d.placed === 1 ? ' was' : 's were'} added since the layout and placed next to their nearest neighbours.`);
  if (d.hits) parts.push(`${d.hits} search result${d.hits === 1 ? ' is' : 's are'} highlighted; larger points rank higher.`);
  if (d.selected) parts.push(`${d.selected} paper${d.selected === 1 ? ' is' : 's are'} selected; searches are limited to them.`);
  return parts.join(' ');
}
