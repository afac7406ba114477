"""PyTorch baseline for docs/perf/resnet.md: CLIP's ModifiedResNet image tower, training mode, float32,
forward + backward of a random gradient, same shapes as dev.jclip.core.model.ResNetBench.

usage: /usr/bin/python3 docs/perf/resnet_torch_bench.py RN-tiny 64 10 [threads]
"""
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

PRESETS = {  # image, layers, width, heads, embed
    "RN-tiny": (64, (1, 1, 1, 1), 16, 4, 64),
    "RN50": (224, (3, 4, 6, 3), 64, 32, 1024),
}


class Block(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        cout = planes * 4
        self.conv1, self.bn1 = nn.Conv2d(cin, planes, 1, bias=False), nn.BatchNorm2d(planes)
        self.conv2, self.bn2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False), nn.BatchNorm2d(planes)
        self.pool = nn.AvgPool2d(stride) if stride > 1 else nn.Identity()
        self.conv3, self.bn3 = nn.Conv2d(planes, cout, 1, bias=False), nn.BatchNorm2d(cout)
        self.down = None
        if stride > 1 or cin != cout:
            self.down = nn.Sequential(nn.AvgPool2d(stride), nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(self.pool(out)))
        return F.relu(out + (self.down(x) if self.down is not None else x))


class Tower(nn.Module):
    def __init__(self, image, layers, width, heads, embed):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, width // 2, 3, 2, 1, bias=False), nn.BatchNorm2d(width // 2), nn.ReLU(),
            nn.Conv2d(width // 2, width // 2, 3, 1, 1, bias=False), nn.BatchNorm2d(width // 2), nn.ReLU(),
            nn.Conv2d(width // 2, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(), nn.AvgPool2d(2))
        blocks, cin = [], width
        for i, n in enumerate(layers):
            for j in range(n):
                blocks.append(Block(cin, width << i, 2 if j == 0 and i > 0 else 1))
                cin = (width << i) * 4
        self.blocks = nn.Sequential(*blocks)
        c = width * 32
        self.pos = nn.Parameter(torch.randn((image // 32) ** 2 + 1, c) / c ** 0.5)
        self.q, self.k, self.v, self.c = nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, embed)
        self.heads = heads

    def forward(self, x):
        x = self.blocks(self.stem(x)).flatten(2).permute(2, 0, 1)
        x = torch.cat([x.mean(0, keepdim=True), x]) + self.pos[:, None, :]
        out, _ = F.multi_head_attention_forward(
            query=x[:1], key=x, value=x, embed_dim_to_check=x.shape[-1], num_heads=self.heads,
            q_proj_weight=self.q.weight, k_proj_weight=self.k.weight, v_proj_weight=self.v.weight, in_proj_weight=None,
            in_proj_bias=torch.cat([self.q.bias, self.k.bias, self.v.bias]), bias_k=None, bias_v=None,
            add_zero_attn=False, dropout_p=0, out_proj_weight=self.c.weight, out_proj_bias=self.c.bias,
            use_separate_proj_weight=True, training=True, need_weights=False)
        return out.squeeze(0)


def main():
    preset, batch, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if len(sys.argv) > 4:
        torch.set_num_threads(int(sys.argv[4]))
    image, layers, width, heads, embed = PRESETS[preset]
    model = Tower(image, layers, width, heads, embed).train()
    x = torch.randn(batch, 3, image, image)
    g = torch.randn(batch, embed)
    warmup = max(1, iters // 5)
    fwd = total = cpu = 0.0
    for i in range(warmup + iters):
        c0, t0 = time.process_time(), time.perf_counter()
        y = model(x)
        t1 = time.perf_counter()
        y.backward(g)
        t2 = time.perf_counter()
        if i >= warmup:
            fwd, total, cpu = fwd + t1 - t0, total + t2 - t0, cpu + time.process_time() - c0
    print(f"{preset} batch {batch}, torch {torch.__version__}, {torch.get_num_threads()} threads: forward "
          f"{1000 * fwd / iters:.1f} ms, forward+backward {1000 * total / iters:.1f} ms "
          f"(process CPU time {1000 * cpu / iters:.1f} ms), {batch * iters / total:.1f} images/s")


if __name__ == "__main__":
    main()
