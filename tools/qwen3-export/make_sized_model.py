#!/usr/bin/python3
"""A randomly initialised model with Qwen3-TTS-12Hz-0.6B's real sizes, for measuring the engine's per-frame cost on
the CPU provider (bench/Voice.Bench.Qwen3). Talker: 28 decoder layers, hidden 1024, 16 query / 8 key-value heads of
128, SwiGLU 3072; code predictor: 5 such layers and 15 heads over 2048 codes; 16 codebooks. The decoder layers do
the real work of a step (RMSNorm, q/k/v/o projections, grouped-query attention over the growing cache, SwiGLU);
rotary embeddings and q/k norms are left out (negligible work). fp32, about 2.3 GB written (external data).
The other graphs are the tiny model's, at these sizes. Not for tests: the sizes are the point, the weights are noise.

    /usr/bin/python3 tools/qwen3-export/make_sized_model.py /var/tmp/qwen3-0.6b-random
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

import make_tiny_model as tiny

LAYERS, HEADS, KV, HD, FFN = 28, 16, 8, 128, 3072
CP_LAYERS = 5


def save_large(path, nodes, inputs, outputs, initializers):
    graph = helper.make_graph(nodes, os.path.basename(path).replace(".onnx", ""), inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", tiny.OPSET)], producer_name="voice-sized-qwen3")
    model.ir_version = 8
    onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location=os.path.basename(path) + ".data")
    onnx.checker.check_model(path)


def decoder(prefix_in, prefix_out, layers, nodes, inits, x):
    """`layers` pre-norm decoder layers over x [B,S,H]; returns the last hidden states' name and the cache value infos."""
    h = tiny.H
    kv_in, kv_out = [], []
    inits += [tiny.const_i64("q_shape", [0, 0, HEADS, HD]), tiny.const_i64("kv_shape", [0, 0, KV, HD]),
              tiny.const_i64("merge_shape", [0, 0, HEADS * HD]), tiny.const_i64("axis_last", [-1]),
              tiny.init("eps", np.array(1e-6, np.float32)), tiny.init("scale", np.array(1 / np.sqrt(HD), np.float32)),
              tiny.const_i64("group_axes", [2]), tiny.const_i64("mask_axes", [1, 2]), tiny.init("big", np.array(-1e9, np.float32)),
              tiny.init("one_f", np.array(1.0, np.float32))]

    def rms(name, src):
        nodes.extend([
            helper.make_node("Mul", [src, src], [name + "_sq"]),
            helper.make_node("ReduceMean", [name + "_sq"], [name + "_ms"], axes=[-1], keepdims=1),
            helper.make_node("Add", [name + "_ms", "eps"], [name + "_mse"]),
            helper.make_node("Sqrt", [name + "_mse"], [name + "_rms"]),
            helper.make_node("Div", [src, name + "_rms"], [name + "_n"]),
            helper.make_node("Mul", [name + "_n", name + "_w"], [name]),
        ])
        inits.append(tiny.init(name + "_w", np.ones(h, np.float32)))

    # The attention mask as an additive bias [B,1,1,T].
    nodes.extend([
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Sub", ["one_f", "mask_f"], ["masked"]),
        helper.make_node("Mul", ["masked", "big"], ["bias2"]),
        helper.make_node("Unsqueeze", ["bias2", "mask_axes"], ["bias"]),
    ])
    current = x
    for i in range(layers):
        p = f"l{i}"
        rms(p + "_in", current)
        past_k, past_v = f"{prefix_in}.{i}.key", f"{prefix_in}.{i}.value"
        pres_k, pres_v = f"{prefix_out}.{i}.key", f"{prefix_out}.{i}.value"
        kv_in += [tiny.f32(past_k, ["batch", KV, "past", HD]), tiny.f32(past_v, ["batch", KV, "past", HD])]
        kv_out += [tiny.f32(pres_k, ["batch", KV, "total", HD]), tiny.f32(pres_v, ["batch", KV, "total", HD])]
        nodes.extend([
            helper.make_node("MatMul", [p + "_in", p + "_wq"], [p + "_q0"]),
            helper.make_node("Reshape", [p + "_q0", "q_shape"], [p + "_q1"]),
            helper.make_node("Transpose", [p + "_q1"], [p + "_q"], perm=[0, 2, 1, 3]),                 # [B,16,S,128]
            helper.make_node("MatMul", [p + "_in", p + "_wk"], [p + "_k0"]),
            helper.make_node("Reshape", [p + "_k0", "kv_shape"], [p + "_k1"]),
            helper.make_node("Transpose", [p + "_k1"], [p + "_k"], perm=[0, 2, 1, 3]),
            helper.make_node("Concat", [past_k, p + "_k"], [pres_k], axis=2),                          # [B,8,T,128]
            helper.make_node("MatMul", [p + "_in", p + "_wv"], [p + "_v0"]),
            helper.make_node("Reshape", [p + "_v0", "kv_shape"], [p + "_v1"]),
            helper.make_node("Transpose", [p + "_v1"], [p + "_v"], perm=[0, 2, 1, 3]),
            helper.make_node("Concat", [past_v, p + "_v"], [pres_v], axis=2),
            # grouped-query attention: each key/value head serves two query heads
            helper.make_node("Unsqueeze", [pres_k, "group_axes"], [p + "_kg"]),                        # [B,8,1,T,128]
            helper.make_node("Concat", [p + "_kg", p + "_kg"], [p + "_kgg"], axis=2),                   # [B,8,2,T,128]
            helper.make_node("Reshape", [p + "_kgg", "heads_shape"], [p + "_kh"]),                      # [B,16,T,128]
            helper.make_node("Unsqueeze", [pres_v, "group_axes"], [p + "_vg"]),
            helper.make_node("Concat", [p + "_vg", p + "_vg"], [p + "_vgg"], axis=2),
            helper.make_node("Reshape", [p + "_vgg", "heads_shape"], [p + "_vh"]),
            helper.make_node("Transpose", [p + "_kh"], [p + "_kt"], perm=[0, 1, 3, 2]),
            helper.make_node("MatMul", [p + "_q", p + "_kt"], [p + "_s0"]),                             # [B,16,S,T]
            helper.make_node("Mul", [p + "_s0", "scale"], [p + "_s1"]),
            helper.make_node("Add", [p + "_s1", "bias"], [p + "_s2"]),
            helper.make_node("Softmax", [p + "_s2"], [p + "_a"], axis=-1),
            helper.make_node("MatMul", [p + "_a", p + "_vh"], [p + "_o0"]),                             # [B,16,S,128]
            helper.make_node("Transpose", [p + "_o0"], [p + "_o1"], perm=[0, 2, 1, 3]),
            helper.make_node("Reshape", [p + "_o1", "merge_shape"], [p + "_o2"]),
            helper.make_node("MatMul", [p + "_o2", p + "_wo"], [p + "_o"]),
            helper.make_node("Add", [current, p + "_o"], [p + "_r1"]),
        ])
        rms(p + "_post", p + "_r1")
        nodes.extend([
            helper.make_node("MatMul", [p + "_post", p + "_wg"], [p + "_g"]),
            helper.make_node("Sigmoid", [p + "_g"], [p + "_gs"]),
            helper.make_node("Mul", [p + "_g", p + "_gs"], [p + "_silu"]),
            helper.make_node("MatMul", [p + "_post", p + "_wu"], [p + "_u"]),
            helper.make_node("Mul", [p + "_silu", p + "_u"], [p + "_m"]),
            helper.make_node("MatMul", [p + "_m", p + "_wd"], [p + "_d"]),
            helper.make_node("Add", [p + "_r1", p + "_d"], [p + "_out"]),
        ])
        for name, shape in [("_wq", (h, HEADS * HD)), ("_wk", (h, KV * HD)), ("_wv", (h, KV * HD)), ("_wo", (HEADS * HD, h)),
                            ("_wg", (h, FFN)), ("_wu", (h, FFN)), ("_wd", (FFN, h))]:
            inits.append(tiny.init(p + name, tiny.w(*shape, scale=0.02)))
        current = p + "_out"
    inits.append(tiny.const_i64("heads_shape", [0, HEADS, -1, HD]))
    rms("final", current)
    nodes.extend([
        helper.make_node("Shape", ["final"], ["final_shape"]),
        helper.make_node("Gather", ["final_shape", "one"], ["s"]),
        helper.make_node("Sub", ["s", "one"], ["s1"]),
        helper.make_node("Gather", ["final", "s1"], ["last"], axis=1),                                  # [B,H]
    ])
    inits.append(tiny.const_i64("one", 1))
    return "last", kv_in, kv_out


def talker(out):
    nodes, inits = [], []
    last, kv_in, kv_out = decoder("past_key_values", "present", LAYERS, nodes, inits, "inputs_embeds")
    nodes.extend([helper.make_node("Identity", [last], ["last_hidden"]), helper.make_node("MatMul", [last, "head"], ["logits"])])
    inits.append(tiny.init("head", tiny.w(tiny.H, tiny.CODEC_VOCAB, scale=0.02)))
    inputs = [tiny.f32("inputs_embeds", ["batch", "sequence", tiny.H]), tiny.i64("attention_mask", ["batch", "total"]),
              tiny.i64("position_ids", ["batch", "sequence"])] + kv_in
    save_large(out, nodes, inputs, [tiny.f32("logits", ["batch", tiny.CODEC_VOCAB]), tiny.f32("last_hidden", ["batch", tiny.H])] + kv_out, inits)


def code_predictor(out):
    nodes, inits = [], []
    # The code predictor has no attention-mask input: every position is real. Feed the decoder a mask of ones.
    nodes.extend([
        helper.make_node("Shape", ["past_key_values.0.key"], ["past_shape"]),
        helper.make_node("Shape", ["inputs_embeds"], ["in_shape"]),
        helper.make_node("Gather", ["past_shape", "two"], ["past_len"]),
        helper.make_node("Gather", ["in_shape", "one_i"], ["new_len"]),
        helper.make_node("Add", ["past_len", "new_len"], ["total"]),
        helper.make_node("Gather", ["in_shape", "zero_i"], ["batch"]),
        helper.make_node("Unsqueeze", ["batch", "zero_axis"], ["batch_1"]),
        helper.make_node("Unsqueeze", ["total", "zero_axis"], ["total_1"]),
        helper.make_node("Concat", ["batch_1", "total_1"], ["mask_shape"], axis=0),
        helper.make_node("ConstantOfShape", ["mask_shape"], ["attention_mask"], value=helper.make_tensor("v", TensorProto.INT64, [1], [1])),
    ])
    inits += [tiny.const_i64("two", 2), tiny.const_i64("one_i", 1), tiny.const_i64("zero_i", 0), tiny.const_i64("zero_axis", [0])]
    last, kv_in, kv_out = decoder("past_key_values", "present", CP_LAYERS, nodes, inits, "inputs_embeds")
    nodes.extend([helper.make_node("Gather", ["heads", "generation_step"], ["head"]), helper.make_node("MatMul", [last, "head"], ["logits"])])
    inits.append(tiny.init("heads", tiny.w(tiny.CODEBOOKS - 1, tiny.H, tiny.CODEBOOK_SIZE, scale=0.02)))
    inputs = [tiny.f32("inputs_embeds", ["batch", "sequence", tiny.H]), tiny.i64("generation_step", [])] + kv_in
    save_large(out, nodes, inputs, [tiny.f32("logits", ["batch", tiny.CODEBOOK_SIZE])] + kv_out, inits)


def main(directory):
    tiny.H, tiny.CODEBOOKS, tiny.CODEBOOK_SIZE, tiny.CODEC_VOCAB = 1024, 16, 2048, 3072
    tiny.TALKER_LAYERS, tiny.TALKER_KV, tiny.TALKER_HD = LAYERS, KV, HD
    tiny.CP_LAYERS, tiny.CP_KV, tiny.CP_HD = CP_LAYERS, KV, HD
    tiny.SPECIAL.update({"codec_pad": 2148, "codec_bos": 2149, "codec_eos": 2150, "codec_think": 2154, "codec_nothink": 2155,
                         "codec_think_bos": 2156, "codec_think_eos": 2157})
    tiny.LANGUAGES.update({"en": 2050, "de": 2053, "es": 2054, "zh": 2055, "ja": 2058, "fr": 2061, "ko": 2064, "ru": 2069, "it": 2070, "pt": 2071})
    tiny.SPEAKERS.clear()
    tiny.SPEAKERS.update({"vivian": 3065, "ryan": 3061})
    tiny.talker, tiny.code_predictor = talker, code_predictor
    tiny.main(directory, model_name="random-qwen3-tts-0.6b-sizes (benchmarks only)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "qwen3-0.6b-random")
