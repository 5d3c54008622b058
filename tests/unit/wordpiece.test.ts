/**
 * The static embedder's tokenizer must give the teacher's token ids: compared with transformers.js'
 * AutoTokenizer (what embedder.ts runs) on every seed text and on text built to hit each rule of the
 * BERT normaliser and pre-tokeniser.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { WordPieceTokenizer, wordPieceConfigFromTokenizerJson } from '../../src/core/model/wordpiece.ts';
import { resolveLocalModelDir } from '../../src/node/model-dir.ts';
import { DEFAULT_MODEL_ID } from '../../src/core/model/registry.ts';
import { loadSeedPapers } from '../../bench/lib/seed.ts';
import { documentText } from '../../src/core/vectors/document-text.ts';

let ours: WordPieceTokenizer;
let reference: PreTrainedTokenizer;

beforeAll(async () => {
  const dir = resolveLocalModelDir(DEFAULT_MODEL_ID);
  if (!dir) throw new Error('run `npm run fetch-model` first');
  const json = JSON.parse(readFileSync(join(dir, DEFAULT_MODEL_ID, 'tokenizer.json'), 'utf8'));
  ours = new WordPieceTokenizer(wordPieceConfigFromTokenizerJson(json));
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dir + '/';
  reference = await AutoTokenizer.from_pretrained(DEFAULT_MODEL_ID);
});

const refIds = (t: string) => (reference.encode(t, { add_special_tokens: false }) as number[]).map(Number);

describe('WordPieceTokenizer = the teacher tokenizer', () => {
  it('on every seed paper text', () => {
    const texts = loadSeedPapers().map(documentText);
    expect(texts.length).toBeGreaterThan(200);
    let tokens = 0;
    for (const t of texts) {
      const want = refIds(t);
      expect(ours.encode(t)).toEqual(want);
      tokens += want.length;
    }
    expect(tokens).toBeGreaterThan(40_000);
  });

  const tricky: [string, string][] = [
    ['accents and case', 'Café Ångström NAÏVE résumé Straße Œuvre'],
    ['CJK (BMP) and an astral ideograph', '深度学习模型 in 日本語 and 𠀀𠀁 text'],
    ['control, format and replacement chars', 'a\u0000b\u200bc\ufeffd\ufffde\u0007f\u00adg'],
    ['unicode whitespace', 'one\u00a0two\u2003three\u3000four\tfive\nsix\r\nseven\u2028eight'],
    ['punctuation and symbols', 'x=3.5±0.2, p<0.05; (n=1,024) — “quoted” ‘single’ … a/b\\c #1 @home $5 ^_^ ~tilde `tick`'],
    ['literal special tokens', 'before [SEP] middle [CLS][MASK] after [unk] [UNK]x'],
    ['a word over 100 characters', 'short ' + 'a'.repeat(101) + ' end ' + 'b'.repeat(100)],
    ['unknown characters', 'emoji 🧬🔬 and runes ᚠᚢᚦ and math 𝔸𝔹'],
    ['greek, cyrillic, arabic, devanagari', 'αβγ Δ-tracking, Привет мир, مرحبا, नमस्ते'],
    ['numbers and hyphenation', 'GPT-4o-mini 3D-CNNs 1e-4 2,000,000 COVID-19 self-supervised'],
    ['lone surrogates', 'a\ud800b\udc00c'],
    ['empty and blank', '   \n\t '],
    // The plain-ASCII fast path (char-class split, piece lengths capped at the longest vocabulary entry):
    ['plain ASCII, every symbol and long many-piece words', 'pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~end\tTAB\r\nCRLF x\u000by\u000cz ' + 'ab'.repeat(50)],
  ];
  for (const [name, text] of tricky) {
    it(name, () => {
      expect(ours.encode(text)).toEqual(refIds(text));
    });
  }

  it('gives the same ids for a word the second time (memoised pieces)', () => {
    const t = 'transformers transformers transformer-based transformers';
    expect(ours.encode(t)).toEqual(refIds(t));
    expect(ours.encode(t)).toEqual(refIds(t));
  });

  it('rejects a tokenizer.json it does not implement', () => {
    expect(() => wordPieceConfigFromTokenizerJson({ normalizer: { type: 'NFC' } })).toThrow(/normalizer NFC is not supported/);
    expect(() =>
      wordPieceConfigFromTokenizerJson({ normalizer: { type: 'BertNormalizer' }, pre_tokenizer: { type: 'BertPreTokenizer' }, model: { type: 'BPE', vocab: {} } }),
    ).toThrow(/model BPE is not supported/);
  });
});
