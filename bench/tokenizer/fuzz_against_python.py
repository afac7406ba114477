"""Random-text comparison of `clip tokenize` against the Python transcription in simple_tokenizer_bench.py.

  /usr/bin/python3 bench/tokenizer/fuzz_against_python.py gen 2 8000 > /tmp/in.jsonl
  clip tokenize --vocab clip-data/src/main/resources/dev/jclip/data/text/bpe_simple_vocab_16e6.txt.gz --context-length 1000 < /tmp/in.jsonl > /tmp/java.jsonl
  /usr/bin/python3 bench/tokenizer/fuzz_against_python.py compare clip-data/src/main/resources/dev/jclip/data/text/bpe_simple_vocab_16e6.txt.gz /tmp/in.jsonl /tmp/java.jsonl

Texts mix many scripts, digits of several kinds, apostrophes, punctuation, spaces of several kinds, combining marks,
emoji, full/half-width forms and ligatures. Latin-1 letters next to Windows-1252 punctuation are left out: they
can look like mojibake, and the Python stand-in for ftfy does not repair mojibake (the Java side does).
"""
import json
import os
import random
import sys

POOLS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " \t\n  ", "'''", ".,!?;:-_()[]{}\"/\\|@#$%^*+=~`",
    "ſ", "αβγδεζηθικλμνξοπρσςτυφχψωΑΒΓΔΣΩ", "абвгдежзийклмнопрстуфхцчшщъыьэюяАБВГД",
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年", "あいうえおかきくけこアイウエオカキクケコ", "한국어텍스트", "مرحبابالعالم",
    "שלוםעולם", "हिन्दीभाषा", "ภาษาไทย", "😀🍕❤️👍🏽🇺🇸✨🔥\u200d\ufe0f", "½¾⅓²³①②ⅫⅣ١٢٣१२३", "\u0301\u0308\u0327",
    "€™†‡•…—–", "ＡＢＣａｂｃ１２３ﾊﾝｶｸ", "ﬁﬂﬀ", "<|>", "\u00a0\u2003\u3000\u200b",
]


def gen(seed, count):
    rnd = random.Random(seed)
    for _ in range(count):
        text = "".join(rnd.choice(rnd.choice(POOLS)) for _ in range(rnd.randint(1, 60)))
        print(json.dumps({"text": text}, ensure_ascii=False))


def compare(vocab, inputs, java_out):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from simple_tokenizer_bench import Tokenizer
    tok = Tokenizer(vocab)
    texts = [json.loads(line)["text"] for line in open(inputs, encoding="utf-8")]
    rows = [json.loads(line)["ids"] for line in open(java_out, encoding="utf-8")]
    bad = 0
    for text, row in zip(texts, rows):
        end = len(row) - 1
        while row[end] == 0:
            end -= 1
        if row[1:end] != tok.encode(text):
            bad += 1
            print("differs:", repr(text))
    print(json.dumps({"texts": len(texts), "mismatches": bad}))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(int(sys.argv[2]), int(sys.argv[3]))
    else:
        compare(sys.argv[2], sys.argv[3], sys.argv[4])
