// Oracle for the tokenizer tests (OracleTests.cs): loads the npm tokenizers installed in
// process.argv[2], writes the vocabularies they ship as checkpoint folders under process.argv[3]
// (tokenizer.json, tokenizer.model, tokenizer_config.json, config.json), encodes and decodes each
// text of the corpus process.argv[4] with every oracle, and writes the results to
// process.argv[3]/expected.json. The vocabularies are written at test time only: they stay out of
// the repository.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [installDir, outDir, corpusPath] = process.argv.slice(2);
const require = createRequire(join(installDir, 'package.json'));
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);

const llama2 = (await load('llama-tokenizer-js')).default;
const llama3 = (await load('llama3-tokenizer-js')).default;
const { Tokenizer } = require('@huggingface/tokenizers');
const { SentencePieceProcessor } = require('@agnai/sentencepiece-js');
const corpus = JSON.parse(readFileSync(corpusPath, 'utf8'));

const write = (folder, files) => {
  mkdirSync(join(outDir, folder), { recursive: true });
  for (const [name, data] of Object.entries(files)) {
    writeFileSync(join(outDir, folder, name), typeof data === 'string' || data instanceof Uint8Array ? data : JSON.stringify(data));
  }
};

// ---- Llama 2 (SentencePiece BPE with byte fallback), from llama-tokenizer-js ----
const l2vocab = Object.fromEntries(llama2.vocabById.map((t, i) => [t, i]));
const l2merges = [...llama2.merges.keys()];
const l2special = ['<unk>', '<s>', '</s>'].map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
const l2template = {
  type: 'TemplateProcessing',
  single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
  pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
  special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
};
const l2model = { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab: l2vocab, merges: l2merges };
const l2decoder = { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] };
const l2config = { add_bos_token: true, add_eos_token: false, bos_token: { __type: 'AddedToken', content: '<s>', lstrip: false, normalized: false, rstrip: false, single_word: false }, eos_token: '</s>', unk_token: '<unk>', legacy: true, tokenizer_class: 'LlamaTokenizer' };
write('llama2-json', {
  'tokenizer.json': { version: '1.0', truncation: null, padding: null, added_tokens: l2special, normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] }, pre_tokenizer: null, post_processor: l2template, decoder: l2decoder, model: l2model },
  'tokenizer_config.json': l2config,
  'config.json': { bos_token_id: 1, eos_token_id: 2, vocab_size: 32000 },
});
write('llama2-metaspace', {
  'tokenizer.json': { version: '1.0', truncation: null, padding: null, added_tokens: l2special, normalizer: null, pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false }, post_processor: l2template, decoder: { type: 'Sequence', decoders: [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false }, { type: 'ByteFallback' }, { type: 'Fuse' }] }, model: l2model },
  'tokenizer_config.json': { ...l2config, legacy: false },
});

// tokenizer.model: SentencePiece scores rank merged pieces; a piece's score is minus the rank of the first merge that makes it.
const firstMerge = new Map();
l2merges.forEach((m, rank) => { const piece = m.replace(' ', ''); if (!firstMerge.has(piece)) firstMerge.set(piece, rank); });
const varint = (v) => { const out = []; let x = BigInt.asUintN(64, BigInt(v)); do { let b = Number(x & 0x7fn); x >>= 7n; if (x) b |= 0x80; out.push(b); } while (x); return out; };
const field = (n, wire, payload) => [...varint((n << 3) | wire), ...payload];
const bytesField = (n, bytes) => field(n, 2, [...varint(bytes.length), ...bytes]);
const utf8 = (s) => [...new TextEncoder().encode(s)];
const float32 = (f) => { const b = new Uint8Array(4); new DataView(b.buffer).setFloat32(0, f, true); return [...b]; };
const spModel = (removeExtraWhitespaces) => {
  const out = [];
  llama2.vocabById.forEach((piece, id) => {
    const type = id === 0 ? 2 : id < 3 ? 3 : id < 259 ? 6 : 1;
    const score = type === 1 && firstMerge.has(piece) ? -firstMerge.get(piece) : 0;
    out.push(...bytesField(1, [...bytesField(1, utf8(piece)), ...field(2, 5, float32(score)), ...field(3, 0, varint(type))]));
  });
  out.push(...bytesField(2, [...field(3, 0, varint(2)), ...field(4, 0, varint(32000)), ...field(35, 0, varint(1)), ...field(40, 0, varint(0)), ...field(41, 0, varint(1)), ...field(42, 0, varint(2)), ...field(43, 0, varint(-1))]));
  out.push(...bytesField(3, [...bytesField(1, utf8('identity')), ...field(3, 0, varint(1)), ...field(4, 0, varint(removeExtraWhitespaces ? 1 : 0)), ...field(5, 0, varint(1))]));
  return new Uint8Array(out);
};
write('llama2-model', { 'tokenizer.model': spModel(false) });
write('llama2-model-collapse', { 'tokenizer.model': spModel(true) });

// ---- Llama 3 (byte-level BPE), from llama3-tokenizer-js; the same vocabulary in GPT-2's and SmolLM's pre-tokenizer setups ----
const l3vocab = Object.fromEntries(llama3.vocabById.slice(0, 128000).map((t, i) => [t, i]));
const l3merges = [...llama3.merges.keys()];
const l3special = llama3.vocabById.slice(128000).map((content, i) => ({ id: 128000 + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
const l3pattern = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const byteLevel = (addPrefixSpace, useRegex) => ({ type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: useRegex });
const l3model = (ignoreMerges) => ({ type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: ignoreMerges, vocab: l3vocab, merges: l3merges });
write('llama3', {
  'tokenizer.json': {
    version: '1.0', truncation: null, padding: null, added_tokens: l3special, normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: l3pattern }, behavior: 'Isolated', invert: false }, byteLevel(false, false)] },
    post_processor: { type: 'Sequence', processors: [byteLevel(true, true), { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }], pair: [], special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [128000], tokens: ['<|begin_of_text|>'] } } }] },
    decoder: byteLevel(true, true), model: l3model(true),
  },
  'tokenizer_config.json': { bos_token: '<|begin_of_text|>', eos_token: '<|end_of_text|>', tokenizer_class: 'PreTrainedTokenizerFast' },
  'generation_config.json': { bos_token_id: 128000, eos_token_id: [128001, 128008, 128009] },
  'config.json': { bos_token_id: 128000, eos_token_id: [128001, 128008, 128009], vocab_size: 128256 },
});
const endOfText = [{ id: 128001, content: '<|end_of_text|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }];
write('gpt2-style', {
  'tokenizer.json': { version: '1.0', truncation: null, padding: null, added_tokens: endOfText, normalizer: null, pre_tokenizer: byteLevel(false, true), post_processor: byteLevel(true, false), decoder: byteLevel(false, true), model: l3model(false) },
  'tokenizer_config.json': { bos_token: '<|end_of_text|>', eos_token: '<|end_of_text|>' },
});
write('smollm-style', {
  'tokenizer.json': { version: '1.0', truncation: null, padding: null, added_tokens: endOfText, normalizer: null, pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevel(true, true)] }, post_processor: byteLevel(true, false), decoder: byteLevel(true, true), model: l3model(false) },
  'tokenizer_config.json': { bos_token: '<|end_of_text|>', eos_token: '<|end_of_text|>' },
});

// ---- The oracles ----
const hf = (folder) => {
  const read = (name) => JSON.parse(readFileSync(join(outDir, folder, name), 'utf8'));
  const tokenizer = new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
  return (text) => {
    const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
    return { ids, special: tokenizer.encode(text, { add_special_tokens: true }).ids, text: ids.length === 0 ? '' : tokenizer.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false }) };
  };
};
const sentencePiece = async (folder) => {
  const sp = new SentencePieceProcessor();
  await sp.load(join(outDir, folder, 'tokenizer.model'));
  return (text) => { const ids = text.length === 0 ? [] : sp.encodeIds(text); return { ids, special: [1, ...ids], text: sp.decodeIds(ids) }; };
};
const llama2js = (text) => {
  const ids = text.length === 0 ? [] : llama2.encode(text, false);
  return { ids, special: llama2.encode(text, true), text: llama2.decode(ids, false) };
};
const llama3js = (text) => {
  const ids = llama3.encode(text, { bos: false, eos: false });
  return { ids, special: llama3.encode(text, { bos: true, eos: false }), text: llama3.decode(ids) };
};

const targets = {
  'llama2-json': { 'llama-tokenizer-js': llama2js, 'tokenizers.js': hf('llama2-json') },
  'llama2-metaspace': { 'tokenizers.js': hf('llama2-metaspace') },
  'llama2-model': { sentencepiece: await sentencePiece('llama2-model'), 'llama-tokenizer-js': llama2js },
  'llama2-model-collapse': { sentencepiece: await sentencePiece('llama2-model-collapse') },
  'llama3': { 'llama3-tokenizer-js': llama3js, 'tokenizers.js': hf('llama3') },
  'gpt2-style': { 'tokenizers.js': hf('gpt2-style') },
  'smollm-style': { 'tokenizers.js': hf('smollm-style') },
};
const expected = {};
for (const [target, oracles] of Object.entries(targets)) {
  expected[target] = {};
  for (const [oracle, run] of Object.entries(oracles)) {
    expected[target][oracle] = corpus.map((text) => { try { return run(text); } catch (e) { return { error: String(e) }; } });
  }
}
writeFileSync(join(outDir, 'expected.json'), JSON.stringify(expected));
