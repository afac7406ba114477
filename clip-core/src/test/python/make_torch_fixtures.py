#!/usr/bin/python3
"""Makes the small PyTorch files the checkpoint tests read (run with Debian's python3-torch, 1.13):

    /usr/bin/python3 clip-core/src/test/python/make_torch_fixtures.py clip-core/src/test/resources/dev/jclip/core/io

Outputs (each with the expected tensors beside it as safetensors, written here by hand from torch's own bytes):
  torch_views.pt          torch.save of a state dict whose tensors share storages, are transposed (non-contiguous),
                          start at storage offsets, and use F32/F16/BF16/F64/I64/I32/BOOL, 0-dim scalars included
  openclip_ddp.pt         an open_clip training checkpoint: {"epoch", "name", "state_dict" (keys "module."-prefixed,
                          as saved from DistributedDataParallel), "optimizer"}
  scripted_mask.pt        torch.jit.script of a module with a plain tensor attribute (attn_mask) beside its
                          parameters and BatchNorm buffers: the attribute is not in the state dict
  tiny_clip_script.pt     torch.jit.trace of a tiny CLIP with OpenAI's module tree (fp16 weights as OpenAI's
                          convert_weights leaves them), saved with torch.jit.save; its state_dict() as safetensors;
                          tiny_clip_{images,tokens}.npy inputs and tiny_clip_{image,text}_features.npy computed in
                          float32 from the archive's own weights with OpenAI's encode_image/encode_text
"""
import collections
import json
import os
import struct
import sys

import numpy
import torch
import torch.nn as nn

ST_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
             torch.int64: "I64", torch.int32: "I32", torch.bool: "BOOL", torch.uint8: "U8", torch.int8: "I8"}
SAME_SIZE_INT = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def raw_bytes(t):
    """The tensor's elements in C order, little-endian, exactly as torch holds them."""
    t = t.detach().contiguous()
    if t.dtype == torch.bool:
        t = t.view(torch.uint8)
    return t.view(SAME_SIZE_INT[t.element_size()]).numpy().tobytes()


def write_safetensors(tensors, path, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        b = raw_bytes(t)
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def views_state_dict():
    g = torch.Generator().manual_seed(9)
    base = torch.randn(6, 4, generator=g)
    sd = collections.OrderedDict()
    sd["base"] = base
    sd["base_t"] = base.t()                      # same storage, strides (1, 4)
    sd["tail_rows"] = base[2:]                   # same storage, offset 8
    sd["column"] = base[:, 1]                    # same storage, stride 4, offset 1
    sd["half"] = torch.randn(3, 5, generator=g).half()
    sd["bf16"] = torch.randn(2, 3, generator=g).bfloat16()
    sd["f64"] = torch.randn(4, generator=g).double()
    sd["count"] = torch.tensor(123456789012, dtype=torch.int64)   # 0-dim scalar
    sd["ints"] = torch.arange(-3, 3, dtype=torch.int32).reshape(2, 3)
    sd["mask"] = torch.tensor([True, False, True])
    sd["param"] = nn.Parameter(torch.randn(2, 2, generator=g))
    sd["empty"] = torch.zeros(0, 3)
    return sd


class LayerNorm(nn.LayerNorm):
    def forward(self, x):
        return super().forward(x.float()).type(x.dtype)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, d, heads, attn_mask=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads)
        self.ln_1 = LayerNorm(d)
        self.mlp = nn.Sequential(collections.OrderedDict([
            ("c_fc", nn.Linear(d, d * 4)), ("gelu", QuickGELU()), ("c_proj", nn.Linear(d * 4, d))]))
        self.ln_2 = LayerNorm(d)
        self.attn_mask = attn_mask

    def forward(self, x):
        mask = self.attn_mask.to(dtype=x.dtype) if self.attn_mask is not None else None
        x = x + self.attn(self.ln_1(x), self.ln_1(x), self.ln_1(x), need_weights=False, attn_mask=mask)[0]
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads, attn_mask=None):
        super().__init__()
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads, attn_mask) for _ in range(layers)])

    def forward(self, x):
        return self.resblocks(x)


class VisionTransformer(nn.Module):
    def __init__(self, resolution, patch, width, layers, heads, out):
        super().__init__()
        scale = width ** -0.5
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn((resolution // patch) ** 2 + 1, width))
        self.ln_pre = LayerNorm(width)
        self.transformer = Transformer(width, layers, heads)
        self.ln_post = LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, out))

    def forward(self, x):
        x = self.conv1(x.type(self.conv1.weight.dtype))
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        cls = self.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype)
        x = self.ln_pre(x).permute(1, 0, 2)
        x = self.transformer(x).permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj


class TinyClip(nn.Module):
    def __init__(self, embed=16, resolution=16, patch=8, vwidth=32, vlayers=1, ctx=8, vocab=50, twidth=32, tlayers=2):
        super().__init__()
        self.visual = VisionTransformer(resolution, patch, vwidth, vlayers, 2, embed)
        mask = torch.full((ctx, ctx), float("-inf")).triu_(1)
        self.transformer = Transformer(twidth, tlayers, 2, mask)
        self.token_embedding = nn.Embedding(vocab, twidth)
        self.positional_embedding = nn.Parameter(torch.randn(ctx, twidth) * 0.01)
        self.ln_final = LayerNorm(twidth)
        self.text_projection = nn.Parameter(torch.randn(twidth, embed) * twidth ** -0.5)
        self.logit_scale = nn.Parameter(torch.ones([]) * 2.6592)
        # OpenAI's released JIT archives carry these three int buffers; build_model deletes them from the state dict
        self.register_buffer("input_resolution", torch.tensor(resolution))
        self.register_buffer("context_length", torch.tensor(ctx))
        self.register_buffer("vocab_size", torch.tensor(vocab))

    def forward(self, image, text):
        img = self.visual(image)
        x = self.token_embedding(text).type(self.text_projection.dtype) + self.positional_embedding.type(self.text_projection.dtype)
        x = self.transformer(x.permute(1, 0, 2)).permute(1, 0, 2)
        x = self.ln_final(x).type(self.text_projection.dtype)
        txt = x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ self.text_projection
        return img.float() @ txt.float().t() * self.logit_scale.exp()


FP16_SUFFIXES = ("conv1.weight", "attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight", "attn.out_proj.bias",
                 "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias", "text_projection", "visual.proj")


def convert_weights(module):
    """OpenAI's convert_weights: conv/linear/attention weights and the projections to fp16, the rest stays fp32.
    Applied after tracing (CPU has no fp16 convolution), to the traced module's own parameters."""
    for name, p in module.named_parameters():
        if name.endswith(FP16_SUFFIXES):
            p.data = p.data.half()


class MaskedBlock(nn.Module):
    """Scripted (not traced): keeps a plain tensor attribute that is neither parameter nor buffer, like OpenAI's attn_mask."""

    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(4)
        self.bn = nn.BatchNorm1d(4)
        self.attn_mask = torch.full((3, 3), float("-inf")).triu_(1)

    def forward(self, x):
        return self.bn(self.ln_1(x)) + self.attn_mask.sum()


def main(out):
    os.makedirs(out, exist_ok=True)
    sd = views_state_dict()
    torch.save(sd, os.path.join(out, "torch_views.pt"))
    write_safetensors(sd, os.path.join(out, "torch_views.safetensors"))

    torch.manual_seed(3)
    plain = collections.OrderedDict([("visual.proj", torch.randn(4, 3)), ("logit_scale", torch.tensor(4.6)),
                                     ("visual.bn1.num_batches_tracked", torch.tensor(7))])
    ckpt = {"epoch": 3, "name": "tiny-run",
            "state_dict": collections.OrderedDict(("module." + k, v) for k, v in plain.items()),
            "optimizer": torch.optim.AdamW([nn.Parameter(plain["visual.proj"].clone())], lr=1e-3).state_dict()}
    torch.save(ckpt, os.path.join(out, "openclip_ddp.pt"))
    write_safetensors(plain, os.path.join(out, "openclip_ddp.safetensors"))

    torch.manual_seed(4)
    model = TinyClip().eval()
    with torch.no_grad():
        for p in model.parameters():     # no constant gains/biases: a key mapped wrong cannot match by luck
            p.add_(torch.randn_like(p) * 0.1)
    image = torch.randn(2, 3, 16, 16)
    text = torch.tensor([[1, 5, 49, 0, 0, 0, 0, 0], [1, 7, 8, 49, 0, 0, 0, 0]])
    with torch.no_grad():
        traced = torch.jit.trace(model, (image, text), check_trace=False)
    convert_weights(traced)
    torch.jit.save(traced, os.path.join(out, "tiny_clip_script.pt"))
    config = {"embed_dim": 16, "vision_cfg": {"image_size": 16, "layers": 1, "width": 32, "heads": 2, "patch_size": 8},
              "text_cfg": {"context_length": 8, "vocab_size": 50, "width": 32, "heads": 2, "layers": 2}, "quick_gelu": True}
    write_safetensors(traced.state_dict(), os.path.join(out, "tiny_clip_script.safetensors"),
                      {"format": "pt", "config": json.dumps(config), "generator": "make_torch_fixtures.py"})
    # Reference features in float32 from the archive's own (fp16-rounded) weights, for loading into jclip's model.
    ref = TinyClip().eval()
    ref.load_state_dict({k: v.float() for k, v in traced.state_dict().items()})
    with torch.no_grad():
        image_features = ref.visual(image)
        x = ref.token_embedding(text) + ref.positional_embedding
        x = ref.ln_final(ref.transformer(x.permute(1, 0, 2)).permute(1, 0, 2))
        text_features = x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ ref.text_projection
    numpy.save(os.path.join(out, "tiny_clip_images.npy"), image.numpy())
    numpy.save(os.path.join(out, "tiny_clip_tokens.npy"), text.numpy())
    numpy.save(os.path.join(out, "tiny_clip_image_features.npy"), image_features.numpy())
    numpy.save(os.path.join(out, "tiny_clip_text_features.npy"), text_features.numpy())

    torch.manual_seed(5)
    block = MaskedBlock()
    block.bn.num_batches_tracked.fill_(11)
    scripted = torch.jit.script(block)
    torch.jit.save(scripted, os.path.join(out, "scripted_mask.pt"))
    write_safetensors(scripted.state_dict(), os.path.join(out, "scripted_mask.safetensors"))

    for f in sorted(os.listdir(out)):
        print(f, os.path.getsize(os.path.join(out, f)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
