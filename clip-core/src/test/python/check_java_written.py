#!/usr/bin/python3
"""Checks that files written by jclip's TorchZip / SafeTensors writers load in PyTorch (run after the clip-core tests):

    /usr/bin/python3 clip-core/src/test/python/check_java_written.py clip-core/target/torch-check

java_written.pt is loaded with torch.load (plain and weights_only=True); java_written.safetensors is parsed
by hand; every tensor must match in dtype, shape and bytes, and the .pt storages must be 64-byte aligned.
"""
import json
import struct
import sys
import zipfile

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64,
          "I64": torch.int64, "I32": torch.int32, "BOOL": torch.bool}
SAME_SIZE_INT = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def raw(t):
    t = t.contiguous()
    if t.dtype == torch.bool:
        t = t.view(torch.uint8)
    return t.view(SAME_SIZE_INT[t.element_size()]).numpy().tobytes()


def read_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        buf = bytearray(data[8 + n + b:8 + n + end])
        t = torch.frombuffer(buf, dtype=DTYPES[e["dtype"]]) if buf else torch.zeros(0, dtype=DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"])
    return out


def main(folder):
    st = read_safetensors(folder + "/java_written.safetensors")
    for weights_only in (False, True):
        pt = torch.load(folder + "/java_written.pt", weights_only=weights_only)
        assert list(pt.keys()) == list(st.keys()), (list(pt.keys()), list(st.keys()))
        for k in st:
            assert pt[k].dtype == st[k].dtype and pt[k].shape == st[k].shape, (k, pt[k].dtype, st[k].dtype)
            assert raw(pt[k]) == raw(st[k]), k
    with zipfile.ZipFile(folder + "/java_written.pt") as z:
        for info in z.infolist():
            if "/data/" in info.filename:
                start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
                assert start % 64 == 0, (info.filename, start)
    print("OK: %d tensors, torch %s: %s" % (len(st), torch.__version__,
                                            ", ".join("%s %s%s" % (k, str(v.dtype)[6:], list(v.shape)) for k, v in st.items())))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "clip-core/target/torch-check")
