// Hugging Face tokenizers' encode speed on a text file, for `roberta bench tokenizer`.
// Usage: RAYON_NUM_THREADS=N node bench.js TOKENIZER_DIR TEXT_FILE
// Prints one JSON line: MB/s (wall, and per CPU-second of the process) (encodeBatch over all lines, no special tokens) and a hash of
// all ids (FNV-1a over id+1 per id and 0 per line end, as the C++ side computes it).
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

async function main() {
  const [dir, file] = process.argv.slice(2);
  const model = await tk.BPE.fromFile(path.join(dir, 'vocab.json'), path.join(dir, 'merges.txt'));
  const tokenizer = new tk.Tokenizer(model);
  tokenizer.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
  const bytes = fs.readFileSync(file);
  const lines = bytes.toString('utf8').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const encodings = await tokenizer.encodeBatch(lines, { addSpecialTokens: false });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  let h = 2166136261 >>> 0;
  let tokens = 0;
  const mix = (v) => { h = Math.imul((h ^ v) >>> 0, 16777619) >>> 0; };
  for (const e of encodings) {
    const ids = e.getIds();
    tokens += ids.length;
    for (const id of ids) mix(id + 1);
    mix(0);
  }
  console.log(JSON.stringify({ mb_per_s: bytes.length / 1e6 / seconds, mb_per_cpu_s: bytes.length / 1e6 / cpuSeconds, seconds, tokens, hash: h }));
}
main().catch((e) => { console.error(e); process.exit(1); });
