#!/usr/bin/python3
"""Times one CLIP training step in PyTorch for an open_clip-schema JSON config, for comparison with jclip.

Our own small CLIP in PyTorch (same architecture as OpenAI's: pre-LN blocks, QuickGELU, packed attention,
ModifiedResNet with attention pooling), built from the same JSON that `clip bench train --model` reads.
The step is the same: forward, symmetric contrastive loss, backward, AdamW.  Prints one JSON line.
--precision bf16 is open_clip's --precision amp_bf16 on CPU: float32 weights and AdamW, the forward pass and the loss
under torch.autocast("cpu", dtype=torch.bfloat16), backward outside it, no GradScaler.

Usage: /usr/bin/python3 bench/pytorch_clip.py CONFIG.json --batch-size B --steps N --threads T [--precision float32|bf16]
(Debian's python3-torch; install libopenblas0-openmp or torch falls back to a slow reference BLAS.)
"""
import argparse, json, math, resource, statistics, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, width, heads, mlp_ratio, quick):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads)
        hidden = int(width * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), QuickGELU() if quick else nn.GELU(), nn.Linear(hidden, width))

    def forward(self, x, mask):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=mask)[0]
        return x + self.mlp(self.ln_2(x))


class Tower(nn.Module):
    def __init__(self, width, layers, heads, mlp_ratio, quick):
        super().__init__()
        self.blocks = nn.ModuleList(Block(width, heads, mlp_ratio, quick) for _ in range(layers))

    def forward(self, x, mask=None):  # x: [T, B, D]
        for b in self.blocks:
            x = b(x, mask)
        return x


class ViT(nn.Module):
    def __init__(self, v, embed, quick):
        super().__init__()
        w, p = v["width"], v["patch_size"]
        self.conv1 = nn.Conv2d(3, w, p, p, bias=False)
        g = v["image_size"] // p
        self.class_embedding = nn.Parameter(torch.randn(w) * w ** -0.5)
        self.pos = nn.Parameter(torch.randn(g * g + 1, w) * w ** -0.5)
        self.ln_pre, self.ln_post = nn.LayerNorm(w), nn.LayerNorm(w)
        heads = v.get("heads") or w // v.get("head_width", 64)
        self.transformer = Tower(w, v["layers"], heads, v.get("mlp_ratio", 4.0), quick)
        self.proj = nn.Parameter(torch.randn(w, embed) * w ** -0.5)

    def forward(self, x):
        x = self.conv1(x).flatten(2).permute(0, 2, 1)
        cls = self.class_embedding.expand(x.shape[0], 1, -1)
        x = self.ln_pre(torch.cat([cls, x], 1) + self.pos).permute(1, 0, 2)
        x = self.transformer(x).permute(1, 0, 2)
        return self.ln_post(x[:, 0]) @ self.proj


class Bottleneck(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(inplanes, planes, 1, bias=False), nn.BatchNorm2d(planes)
        self.conv2, self.bn2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False), nn.BatchNorm2d(planes)
        self.pool = nn.AvgPool2d(stride) if stride > 1 else nn.Identity()
        self.conv3, self.bn3 = nn.Conv2d(planes, planes * 4, 1, bias=False), nn.BatchNorm2d(planes * 4)
        self.down = None
        if stride > 1 or inplanes != planes * 4:
            self.down = nn.Sequential(nn.AvgPool2d(stride), nn.Conv2d(inplanes, planes * 4, 1, bias=False),
                                      nn.BatchNorm2d(planes * 4))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.pool(F.relu(self.bn2(self.conv2(out))))
        out = self.bn3(self.conv3(out))
        return F.relu(out + (self.down(x) if self.down is not None else x))


class ResNet(nn.Module):
    def __init__(self, v, embed):
        super().__init__()
        w = v["width"]
        self.stem = nn.Sequential(
            nn.Conv2d(3, w // 2, 3, 2, 1, bias=False), nn.BatchNorm2d(w // 2), nn.ReLU(),
            nn.Conv2d(w // 2, w // 2, 3, 1, 1, bias=False), nn.BatchNorm2d(w // 2), nn.ReLU(),
            nn.Conv2d(w // 2, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), nn.AvgPool2d(2))
        layers, inplanes = [], w
        for i, n in enumerate(v["layers"]):
            planes = w * 2 ** i
            for j in range(n):
                layers.append(Bottleneck(inplanes, planes, 2 if (j == 0 and i > 0) else 1))
                inplanes = planes * 4
        self.layers = nn.Sequential(*layers)
        c = w * 32
        side = v["image_size"] // 32
        self.pos = nn.Parameter(torch.randn(side * side + 1, c) / c ** 0.5)
        self.q, self.k, self.v, self.c = (nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, embed))
        self.heads = v.get("heads") or c // v.get("head_width", 64)

    def forward(self, x):
        x = self.layers(self.stem(x)).flatten(2).permute(2, 0, 1)  # [HW, B, C]
        x = torch.cat([x.mean(0, keepdim=True), x], 0) + self.pos[:, None]
        out, _ = F.multi_head_attention_forward(
            x[:1], x, x, x.shape[-1], self.heads, None, torch.cat([self.q.bias, self.k.bias, self.v.bias]),
            None, None, False, 0.0, self.c.weight, self.c.bias,
            use_separate_proj_weight=True, q_proj_weight=self.q.weight, k_proj_weight=self.k.weight,
            v_proj_weight=self.v.weight,
            training=self.training, need_weights=False)
        return out[0]


class CLIP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        v, t, e, quick = cfg["vision_cfg"], cfg["text_cfg"], cfg["embed_dim"], cfg.get("quick_gelu", False)
        self.visual = ResNet(v, e) if isinstance(v["layers"], list) else ViT(v, e, quick)
        w, n = t["width"], t["context_length"]
        self.token_embedding = nn.Embedding(t["vocab_size"], w)
        self.positional_embedding = nn.Parameter(torch.randn(n, w) * 0.01)
        self.transformer = Tower(w, t["layers"], t["heads"], t.get("mlp_ratio", 4.0), quick)
        self.ln_final = nn.LayerNorm(w)
        self.text_projection = nn.Parameter(torch.randn(w, e) * w ** -0.5)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.register_buffer("mask", torch.full((n, n), float("-inf")).triu(1))

    def forward(self, images, tokens):
        fi = self.visual(images)
        x = (self.token_embedding(tokens) + self.positional_embedding).permute(1, 0, 2)
        x = self.ln_final(self.transformer(x, self.mask).permute(1, 0, 2))
        ft = x[torch.arange(x.shape[0]), tokens.argmax(-1)] @ self.text_projection
        fi, ft = F.normalize(fi, dim=-1), F.normalize(ft, dim=-1)
        logits = self.logit_scale.exp() * fi @ ft.t()
        labels = torch.arange(logits.shape[0])
        return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--warmup-seconds", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--precision", choices=("float32", "bf16"), default="float32")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = json.load(open(a.config))
    model = CLIP(cfg).train()
    resnet = isinstance(cfg["vision_cfg"]["layers"], list)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, betas=(0.9, 0.999 if resnet else 0.98),
                            eps=1e-8 if resnet else 1e-6, weight_decay=0.2)
    s, t = cfg["vision_cfg"]["image_size"], cfg["text_cfg"]
    images = torch.randn(a.batch_size, 3, s, s)
    tokens = torch.randint(1, t["vocab_size"] - 2, (a.batch_size, t["context_length"]))
    tokens[:, -1] = t["vocab_size"] - 1
    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
            loss = model(images, tokens)
        loss.backward()
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        return loss

    # the same warm-up rule as `clip bench train`: at least --warmup steps and --warmup-seconds
    warmed, end = 0, time.perf_counter() + a.warmup_seconds
    while warmed < a.warmup or time.perf_counter() < end:
        step()
        warmed += 1
    times = []
    c0 = time.process_time()
    for i in range(a.steps):
        t0 = time.perf_counter()
        loss = step()
        times.append((time.perf_counter() - t0) * 1000)
    cpu_per_step = (time.process_time() - c0) * 1000 / a.steps
    med = statistics.median(times)
    print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "median_step_ms": round(med, 2),
                      "min_step_ms": round(min(times), 2),
                      "cpu_ms_per_step": round(cpu_per_step, 2), "warmup_steps": warmed, "images_per_s": round(a.batch_size * 1000 / med, 2),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                      "threads": a.threads, "batch_size": a.batch_size, "precision": a.precision,
                      "parameters": sum(p.numel() for p in model.parameters()), "final_loss": round(loss.item(), 4)}))


if __name__ == "__main__":
    main()
