// Generates the tokenizer's golden fixtures with the reference implementations:
//   npm `tokenizers` (Hugging Face's Rust tokenizer) and `gpt-3-encoder` (GPT-2's files).
// Usage: (cd scripts/reference && npm install && node gen_fixtures.js ../../tests/fixtures/tokenizer)
// Writes:
//   gpt2/vocab.json, gpt2/merges.txt      GPT-2's encoder.json / vocab.bpe, renamed
//   roberta/vocab.json, roberta/merges.txt  the same 50257 tokens shifted by 4 after
//       <s> <pad> </s> <unk>, and <mask> last (50261). Real RoBERTa reorders GPT-2's ids by
//       fairseq's dict.txt (not derivable offline), so this copy checks the special-token
//       handling and the remapping mechanics, not RoBERTa's exact ids.
//   golden.json   per text: HF pre-tokenizer pieces, GPT-2 ids (HF and gpt-3-encoder, which
//       must agree), RoBERTa-copy ids for encode (special strings recognised), single, pair.
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');
const gpt3 = require('gpt-3-encoder');

const out = process.argv[2];
if (!out) { console.error('usage: node gen_fixtures.js OUT_DIR'); process.exit(2); }
const src = path.join(path.dirname(require.resolve('gpt-3-encoder')));

fs.mkdirSync(path.join(out, 'gpt2'), { recursive: true });
fs.mkdirSync(path.join(out, 'roberta'), { recursive: true });
fs.copyFileSync(path.join(src, 'encoder.json'), path.join(out, 'gpt2', 'vocab.json'));
fs.copyFileSync(path.join(src, 'vocab.bpe'), path.join(out, 'gpt2', 'merges.txt'));

const gpt2 = JSON.parse(fs.readFileSync(path.join(src, 'encoder.json'), 'utf8'));
const roberta = { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 };
for (const [t, id] of Object.entries(gpt2)) roberta[t] = id + 4;
roberta['<mask>'] = Object.keys(roberta).length;
fs.writeFileSync(path.join(out, 'roberta', 'vocab.json'), JSON.stringify(roberta));
fs.copyFileSync(path.join(src, 'vocab.bpe'), path.join(out, 'roberta', 'merges.txt'));

const texts = [
  ['prose', 'The quick brown fox jumps over the lazy dog. It was the best of times, it was the worst of times.'],
  ['contractions', "I'm sure you've seen it; they'll say we'd done it, isn't it? She's here. I'VE DONE IT 'S 'll"],
  ['numbers', 'In 1984, 3.14159 and 1,000,000 people paid $42.50 (or 7e-3%) on 2023-10-01 at 12:30.'],
  ['code', 'def f(x):\n    return x**2 + 1  # square\n\nfor (int i = 0; i < n; ++i) { a[i] += b[i]; }\n'],
  ['whitespace_runs', 'a  b   c    d\t\te\n\n\nf   \n  g     '],
  ['tabs_newlines', 'line one\nline two\r\n\tindented\n\t\tmore\n'],
  ['leading_trailing_space', '   leading and trailing   '],
  ['only_spaces', '     '],
  ['cjk', '日本語のテキストと中文文本，还有한국어 텍스트.'],
  ['emoji', 'I ❤️ 🍕 and 👩‍👩‍👧‍👦 families 🏳️‍🌈 ok 👍🏽!'],
  ['combining', 'e\u0301 vs \u00e9, n\u0303, Z\u0351\u0352\u0357a\u0300\u0301lgo\u0308'],
  ['rtl', 'مرحبا بالعالم! שלום עולם. السلام عليكم 123'],
  ['unicode_spaces', 'a\u00a0b\u3000c\u2003d\u0085e\u2028f\u202fg\u205fh\u1680i\u180ej\u200bk'],
  ['space_before_newline', 'end of line \nnext  \n\n  indented'],
  ['punct_runs', 'Wait... what?!? -- (yes) [no] {maybe} <tag/> "quoted" \'single\' `tick`'],
  ['mixed_scripts', 'Ελληνικά, кириллица, देवनागरी, ไทย, ქართული, Հայերեն'],
  ['digits_other', '٣٤٥ ۱۲۳ ४५६ ① ½ ² Ⅻ'],
  ['url_email', 'See https://example.com/a?b=c&d=e#f or mail me@example.org.'],
  ['mask_text', 'The capital of France is <mask>.'],
  ['mask_spaces', 'Paris  \t<mask> and <mask><mask> also<mask>'],
  ['specials_text', '<s>Hello</s> world <pad> <unk> </s>'],
  ['long_word', 'Pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism'],
  ['empty', ''],
  // Pieces longer than 64 bytes take the tokenizer's O(n log n) merge path.
  ['long_letters', 'supercalifragilisticexpialidocious'.repeat(9) + ' aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
  ['long_digits', '31415926535897932384626433832795028841971693993751058209749445923078164062862089986280348253421170679'],
  ['long_spaces', ' '.repeat(150) + 'x' + '\n'.repeat(70) + 'y' + '\t'.repeat(80)],
  ['long_punct', '=-'.repeat(60) + ' ' + '!?'.repeat(50)],
  ['long_cjk', '日本語の長い文章を書いてみます中文的长句子也一样한국어문장도마찬가지입니다'.repeat(3)],
];

// Random strings over a pool that exercises every branch of the pattern.
let seed = 12345;
const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const pool = [' ', ' ', ' ', '  ', '\t', '\n', '\r\n', 'a', 'Z', 'é', 'ß', 'x', 'the', "'", "'s", "'ll", "'t",
  '7', '42', '٣', '½', '.', ',', '!', '?', '-', '(', ')', '$', '日', '本', '한', 'ש', 'م', '😀', '👍🏽',
  '\u0301', '\u00a0', '\u3000', '\u0085', '\u2028', '<', '>', '_', '/', '\\', '"', '#'];
for (let i = 0; i < 200; ++i) {
  let s = '';
  const n = 1 + Math.floor(rand() * 24);
  for (let j = 0; j < n; ++j) s += pool[Math.floor(rand() * pool.length)];
  texts.push([`random_${i}`, s]);
}

async function main() {
  const gpt2Tok = new tk.Tokenizer(await tk.BPE.fromFile(path.join(out, 'gpt2', 'vocab.json'), path.join(out, 'gpt2', 'merges.txt')));
  gpt2Tok.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
  const robTok = new tk.Tokenizer(await tk.BPE.fromFile(path.join(out, 'roberta', 'vocab.json'), path.join(out, 'roberta', 'merges.txt')));
  robTok.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
  robTok.addAddedTokens([
    new tk.AddedToken('<s>', true), new tk.AddedToken('<pad>', true), new tk.AddedToken('</s>', true),
    new tk.AddedToken('<unk>', true), new tk.AddedToken('<mask>', true, { leftStrip: true }),
  ]);
  robTok.setPostProcessor(tk.robertaProcessing(['</s>', 2], ['<s>', 0], true, false));
  const pre = tk.byteLevelPreTokenizer(false, true);

  const cases = [];
  for (const [name, text] of texts) {
    const hfIds = (await gpt2Tok.encode(text, null, { addSpecialTokens: false })).getIds();
    const jsIds = gpt3.encode(text);
    if (JSON.stringify(hfIds) !== JSON.stringify(jsIds)) {
      console.error(`note: ${name}: HF and gpt-3-encoder disagree; keeping HF`);
    }
    cases.push({
      name, text,
      pieces: pre.preTokenizeString(text).map(p => p[0]),
      gpt2_ids: hfIds,
      gpt3_encoder_agrees: JSON.stringify(hfIds) === JSON.stringify(jsIds),
      roberta_ids: (await robTok.encode(text, null, { addSpecialTokens: false })).getIds(),
      roberta_single: (await robTok.encode(text)).getIds(),
      roberta_pair: (await robTok.encode(text, 'Second segment.')).getIds(),
    });
  }
  fs.writeFileSync(path.join(out, 'golden.json'), JSON.stringify(cases, null, 1) + '\n');
  console.log(`wrote ${cases.length} cases to ${out}`);
}
main().catch(e => { console.error(e); process.exit(1); });
