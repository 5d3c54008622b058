
/**
 * The passage text embedded for a paper (before the model's passage prefix). Changing this changes
 * every cached vector's meaning, so it is part of textHash's input via title/abstract only — bump
 * VECTOR_FORMAT when the joining rule changes.
 */
export function documentText(p: { title: string; abstract: string }): string {
  return p.abstract ? `${p.title}. ${p.abstract}` : p.title;
}

/** Bumped whenever documentText or pooling rules change, so stored vectors are recomputed. */
export const VECTOR_FORMAT = 1;
