/**
 * The evidence-sentence picker prefers content sentences: links, availability notes and fragments
 * lose to any content sentence even when they share more words with the question; a long sentence
 * that merely mentions available data is content. With sentence vectors, meaning can decide.
 */
import { describe, expect, it } from 'vitest';
import { bestSentence, isBoilerplate } from '../../src/core/search/best-sentence.ts';

const ABSTRACT =
  'We pretrain a video encoder by masking most frames and reconstructing them. ' +
  'The encoder transfers to action recognition with fewer labels. ' +
  'Code and pretrained video encoder models are available at https://github.com/example/video-mae.';

describe('evidence sentence picker', () => {
  it('a link or "code is available" note loses to a content sentence that matches fewer words', () => {
    const got = bestSentence('pretrained video encoder code', ABSTRACT, 'Video masking');
    expect(got.sentence).toBe('We pretrain a video encoder by masking most frames and reconstructing them.');
  });

  it('recognises boilerplate and fragments, but not content that mentions available data', () => {
    expect(isBoilerplate('Code is available at https://x.org/y.')).toBe(true);
    expect(isBoilerplate('Our code and models will be publicly released.')).toBe(true);
    expect(isBoilerplate('Best viewed in color.')).toBe(true);
    expect(isBoilerplate('An outline slide for the survey is provided.')).toBe(true);
    expect(isBoilerplate('Oral presentation.')).toBe(true);
    expect(
      isBoilerplate(
        'We validate our approach on 96 million images, achieving state-of-the-art results among unsupervised methods on standard benchmarks, which confirms the potential of unsupervised learning when only uncurated data are available.',
      ),
    ).toBe(false);
  });

  it('a boilerplate sentence is still shown when it is the only sentence', () => {
    expect(bestSentence('code', 'Code is available at https://x.org/y.', 'T').sentence).toBe('Code is available at https://x.org/y.');
  });

  it('with sentence vectors, meaning decides between sentences that share no word with the question', () => {
    const abs = 'First we describe the data pipeline in detail here. Then the model wins every single benchmark we tried.';
    const unit = (x: number[]) => new Float32Array(x);
    const meaning = { query: unit([1, 0]), sentences: [unit([0, 1]), unit([1, 0])] };
    expect(bestSentence('which is best overall', abs, 'T').sentence).toBe('First we describe the data pipeline in detail here.');
    expect(bestSentence('which is best overall', abs, 'T', undefined, meaning).sentence).toBe('Then the model wins every single benchmark we tried.');
    expect(() => bestSentence('q', abs, 'T', undefined, { query: unit([1, 0]), sentences: [unit([1, 0])] })).toThrow(/sentence vectors/);
  });
});
