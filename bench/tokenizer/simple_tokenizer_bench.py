"""Times OpenAI's CLIP tokenizer algorithm in Python on a file of captions (one per line), for comparison with
`clip bench tokenizer`. This is our own transcription of the algorithm of OpenAI's SimpleTokenizer / clip.tokenize
(same regex pattern, bytes_to_unicode table, BPE loop with an unbounded cache, html.unescape twice, whitespace
collapsing, lower case), not OpenAI's file.

Cleaning: OpenAI calls ftfy.fix_text first. ftfy is not packaged for Debian bookworm and there is no PyPI here, so
when `import ftfy` fails this script applies only the cheap per-character repairs ftfy would make on such
captions (NFC, Latin ligatures, full/half width, curly quotes, C1 controls, control characters). Real ftfy does
much more work per caption (mojibake detection on every non-ASCII line), so the stand-in makes Python faster,
never slower: the Java/Python ratio we report is a lower bound.

Usage: /usr/bin/python3 bench/tokenizer/simple_tokenizer_bench.py --vocab clip-data/src/main/resources/dev/jclip/data/text/bpe_simple_vocab_16e6.txt.gz \
           --captions captions.txt [--write-ids ids.txt]
Prints one JSON line. Needs Debian's python3-regex.
"""
import argparse
import gzip
import html
import json
import time
import unicodedata

import regex as re

try:
    import ftfy  # noqa: F401
    HAVE_FTFY = True
except ImportError:
    HAVE_FTFY = False


def byte_symbols():
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, [chr(c) for c in chars]))


LIGATURES = {0x132: "IJ", 0x133: "ij", 0x149: "\u02bcn", 0x1F1: "DZ", 0x1F2: "Dz", 0x1F3: "dz", 0x1C4: "D\u017d",
             0x1C5: "D\u017e", 0x1C6: "d\u017e", 0x1C7: "LJ", 0x1C8: "Lj", 0x1C9: "lj", 0x1CA: "NJ", 0x1CB: "Nj",
             0x1CC: "nj", 0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "\u017ft",
             0xFB06: "st"}
WIDTH = {0x3000: " "}
for cp in range(0xFF01, 0xFFF0):
    k = unicodedata.normalize("NFKC", chr(cp))
    if k != chr(cp):
        WIDTH[cp] = k
QUOTES = {cp: "'" for cp in [0x2BC] + list(range(0x2018, 0x201C))}
QUOTES.update({cp: '"' for cp in range(0x201C, 0x2020)})
C1 = {cp: bytes([cp]).decode("cp1252", errors="ignore") or chr(cp) for cp in range(0x80, 0xA0)}
CONTROLS = {cp: None for cp in list(range(0, 9)) + [0x0B] + list(range(0x0E, 0x20)) + [0x7F] + list(range(0x206A, 0x2070))
            + [0xFEFF] + list(range(0xFFF9, 0xFFFD))}


def fix_text_standin(text):
    while True:
        before = text
        text = text.translate(C1).translate(LIGATURES).translate(WIDTH).translate(QUOTES)
        text = text.replace("\r\n", "\n").replace("\r", "\n").translate(CONTROLS)
        text = unicodedata.normalize("NFC", text)
        if text == before:
            return text


class Tokenizer:
    def __init__(self, vocab_path):
        self.byte_encoder = byte_symbols()
        with gzip.open(vocab_path) as f:
            lines = f.read().decode("utf-8").split("\n")
        merges = [tuple(m.split()) for m in lines[1:49152 - 256 - 2 + 1]]
        vocab = list(self.byte_encoder.values())
        vocab = vocab + [v + "</w>" for v in vocab] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
        self.encoder = dict(zip(vocab, range(len(vocab))))
        self.ranks = dict(zip(merges, range(len(merges))))
        self.cache = {"<|startoftext|>": "<|startoftext|>", "<|endoftext|>": "<|endoftext|>"}
        self.pattern = re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
                                  re.IGNORECASE)
        self.fix = ftfy.fix_text if HAVE_FTFY else fix_text_standin

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        while len(word) > 1:
            pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
            bigram = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if bigram not in self.ranks:
                break
            first, second = bigram
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = tuple(merged)
        out = " ".join(word)
        self.cache[token] = out
        return out

    def encode(self, text):
        text = html.unescape(html.unescape(self.fix(text))).strip()
        text = re.sub(r"\s+", " ", text).strip().lower()
        ids = []
        for token in self.pattern.findall(text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(token).split(" "))
        return ids

    def tokenize(self, text, context_length=77):
        tokens = [self.encoder["<|startoftext|>"]] + self.encode(text) + [self.encoder["<|endoftext|>"]]
        if len(tokens) > context_length:
            tokens = tokens[:context_length]
            tokens[-1] = self.encoder["<|endoftext|>"]
        return tokens + [0] * (context_length - len(tokens))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--captions", required=True)
    ap.add_argument("--write-ids")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with open(args.captions, encoding="utf-8") as f:
        captions = [line.rstrip("\n") for line in f if line.strip()]
    walls, cpus = [], []
    for _ in range(args.repeat):  # each repetition with a fresh tokenizer (empty cache); median reported
        tok = Tokenizer(args.vocab)
        c0 = time.process_time()
        t0 = time.perf_counter()
        rows = [tok.tokenize(c) for c in captions]
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    seconds = sorted(walls)[args.repeat // 2]
    cpu_seconds = sorted(cpus)[args.repeat // 2]
    if args.write_ids:
        with open(args.write_ids, "w", encoding="utf-8") as f:
            for r in rows:
                f.write("[" + ", ".join(map(str, r)) + "]\n")
    tokens = sum(1 for r in rows for t in r if t != 0)
    print(json.dumps({"bench": "tokenizer-python", "captions": len(rows), "repeats": args.repeat, "threads": 1, "seconds": round(seconds, 3),
                      "captions_per_s": round(len(rows) / seconds), "tokens_per_s": round(tokens / seconds),
                      "cpu_seconds": round(cpu_seconds, 3), "captions_per_cpu_s": round(len(rows) / cpu_seconds),
                      "ftfy": "ftfy" if HAVE_FTFY else "stand-in (no ftfy package)"}))


if __name__ == "__main__":
    main()
