// Trains Hugging Face's byte-level BPE (npm `tokenizers`) on text files and writes its merges,
// for the training-parity check. The node binding exposes only the model's default trainer
// (BpeTrainer::default(): vocab 30000, min_frequency 0, no initial alphabet, no special
// tokens), so parity is checked on the merge sequence: merges do not depend on the target
// size (training stops early, it does not reorder), and ids shift uniformly with the
// alphabet/special tokens, which keeps HF's tie-breaking order.
// Usage: node train_reference.js OUT_DIR FILE...   (prints the training time in seconds)
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const [out, ...files] = process.argv.slice(2);
if (!out || files.length === 0) { console.error('usage: node train_reference.js OUT_DIR FILE...'); process.exit(2); }
const tokenizer = new tk.Tokenizer(tk.BPE.empty());
tokenizer.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
const start = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
tokenizer.train(files);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
fs.mkdirSync(out, { recursive: true });
tokenizer.save(path.join(out, 'tokenizer.json'));
const model = JSON.parse(fs.readFileSync(path.join(out, 'tokenizer.json'), 'utf8')).model;
const merges = model.merges.map(m => (Array.isArray(m) ? m.join(' ') : m));
fs.writeFileSync(path.join(out, 'merges.txt'), '#version: 0.2\n' + merges.join('\n') + '\n');
console.log(JSON.stringify({ seconds, cpu_seconds: cpuSeconds, merges: merges.length, vocab: Object.keys(model.vocab).length }));
