#!/usr/bin/env python3
"""Writes clip-eval/src/main/resources/dev/jclip/eval/zeroshot/openai_zeroshot_suites.json: the class names and
prompt templates OpenAI used for the CLIP paper's zero-shot results, from a checkout of https://github.com/openai/CLIP
(MIT licence, Copyright (c) 2021 OpenAI; the notice ships beside the JSON).

    git clone https://github.com/openai/CLIP && git -C CLIP checkout d05afc436d78f1c48dc0dbf8e5980a9d471f35f6
    python3 clip-eval/src/test/python/make_zeroshot_suites.py CLIP

Sources: data/prompts.md (26 datasets, one "## Name" section each, holding Python lists `classes` and `templates`)
and notebooks/Prompt_Engineering_for_ImageNet.ipynb (ImageNet's `imagenet_classes` and `imagenet_templates`).
The lists are read with ast.literal_eval (nothing is executed) and copied unchanged, in their order: class names
keep OpenAI's spellings and its two duplicated ImageNet names ("missile", "sunglasses"); FER2013's classes are
lists of synonyms. Each suite is named by LAION-AI/CLIP_benchmark's dataset id where it has one, so results can be
written under the names its tables use; OpenAI's section title is kept as `paper_name`.
"""
import ast
import json
import os
import re
import subprocess
import sys

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "main", "resources", "dev", "jclip", "eval", "zeroshot",
                   "openai_zeroshot_suites.json")

# OpenAI's section title -> CLIP_benchmark's dataset id (clip_benchmark/datasets/builder.py); lower case otherwise.
CLIP_BENCHMARK_IDS = {
    "CIFAR10": "cifar10", "CIFAR100": "cifar100", "CLEVRCounts": "clevr_count_all", "Caltech101": "caltech101",
    "Country211": "country211", "DescribableTextures": "dtd", "EuroSAT": "eurosat", "FGVCAircraft": "fgvc_aircraft",
    "FacialEmotionRecognition2013": "fer2013", "Flowers102": "flowers", "Food101": "food101", "GTSRB": "gtsrb",
    "HatefulMemes": "hateful_memes", "KITTI": "kitti_closest_vehicle_distance", "Kinetics700": "kinetics700",
    "MNIST": "mnist", "OxfordPets": "pets", "PascalVOC2007": "voc2007", "PatchCamelyon": "pcam",
    "RESISC45": "resisc45", "SST2": "renderedsst2", "STL10": "stl10", "SUN397": "sun397", "StanfordCars": "cars",
    "UCF101": "ucf101", "Birdsnap": "birdsnap", "ImageNet": "imagenet1k",
}


def literal_lists(code):
    """The literal lists assigned to plain names in `code`, by name."""
    out = {}
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return out


def suite(paper_name, classes, templates):
    for t in templates:
        if t.count("{}") != 1:
            sys.exit(f"{paper_name}: template without exactly one {{}}: {t!r}")
    return {"name": CLIP_BENCHMARK_IDS[paper_name], "paper_name": paper_name, "classes": classes, "templates": templates}


def main(checkout):
    commit = subprocess.run(["git", "-C", checkout, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    with open(os.path.join(checkout, "data", "prompts.md"), encoding="utf-8") as f:
        prompts = f.read()
    suites = []
    for m in re.finditer(r"^## (\S+)\n+```bash\n(.*?)^```", prompts, re.S | re.M):
        lists = literal_lists(m.group(2))
        suites.append(suite(m.group(1), lists["classes"], lists["templates"]))
    with open(os.path.join(checkout, "notebooks", "Prompt_Engineering_for_ImageNet.ipynb"), encoding="utf-8") as f:
        cells = json.load(f)["cells"]
    found = {}
    for c in cells:
        source = "".join(c["source"])
        if c["cell_type"] == "code" and "imagenet_" in source:  # other cells hold shell lines (! pip ...)
            found.update(literal_lists(source))
    suites.append(suite("ImageNet", found["imagenet_classes"], found["imagenet_templates"]))
    suites.sort(key=lambda s: s["name"])
    doc = {
        "source": "https://github.com/openai/CLIP",
        "commit": commit,
        "files": ["data/prompts.md", "notebooks/Prompt_Engineering_for_ImageNet.ipynb"],
        "license": "MIT, Copyright (c) 2021 OpenAI: see LICENSE-openai_zeroshot_suites.txt",
        "generated_by": "clip-eval/src/test/python/make_zeroshot_suites.py",
        "suites": suites,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(suites)} suites to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
