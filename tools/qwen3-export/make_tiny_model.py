#!/usr/bin/python3
"""Writes a tiny, hand-made Qwen3-TTS model directory for the tests that need all three modes in one model and
speech-shaped behaviour (the speech-engine contract, the worker pipeline test); everything else is proven on the
official architecture (tools/qwen3-reference). The same graph files, input and output
names, dtypes and ranks as export.py writes for the real checkpoints, with hidden size 16, two talker layers, one
code-predictor layer, four codebooks of 32 codes, a byte-level BPE vocabulary of 256 bytes + a few merges, and a
manifest.json. The graphs compute real things where the engine depends on them: the KV caches really grow (past
concatenated with the new keys/values), logits depend on the inputs, the talker's EOS logit rises once a row has generated more frames
than its prompt is long (so generation stops by itself, longer texts speak longer), the attention mask really masks (so a left-padded batch row
computes what the row computes alone), and the codec decoder maps each frame to 1,920 samples from that
frame's codes alone (so chunked decoding can be checked against one-shot decoding).

Run with Debian's python3-onnx:  /usr/bin/python3 tools/qwen3-export/make_tiny_model.py <output dir>
Deterministic: the same seed writes the same bytes.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

H = 16            # hidden size (talker and code predictor inputs)
TEXT_VOCAB = 300  # 256 bytes + merges + special tokens
CODEBOOKS = 4
CODEBOOK_SIZE = 32
CODEC_VOCAB = 64  # codes 0..31, specials 32..63
TALKER_LAYERS, TALKER_KV, TALKER_HD = 2, 2, 8
CP_LAYERS, CP_KV, CP_HD = 1, 2, 8
SAMPLES_PER_FRAME = 1920
FRAMES_PER_PROMPT_POSITION = 0.8  # EOS starts to win after this many frames per prompt position
OPSET = 17

SPECIAL = {
    "codec_pad": 40, "codec_bos": 41, "codec_eos": 42, "codec_think": 44, "codec_nothink": 45,
    "codec_think_bos": 46, "codec_think_eos": 47,
    "im_start": 290, "im_end": 291, "tts_pad": 292, "tts_bos": 293, "tts_eos": 294,
}
LANGUAGES = {"en": 50, "de": 51, "es": 52, "zh": 53, "ja": 54, "fr": 55, "ko": 56, "ru": 57, "it": 58, "pt": 59}
SPEAKERS = {"vivian": 60, "ryan": 61, "dylan": 62}

rng = np.random.default_rng(20261202)


def w(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def init(name, array):
    return numpy_helper.from_array(array, name)


def const_i64(name, values):
    return init(name, np.array(values, dtype=np.int64))


def save(path, nodes, inputs, outputs, initializers):
    graph = helper.make_graph(nodes, os.path.basename(path).replace(".onnx", ""), inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="voice-tiny-qwen3")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def i64(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.INT64, shape)


def text_embed(out):
    # input_ids [B,T] -> Gather -> projection (Linear, SiLU-ish tanh, Linear) -> embeds [B,T,H]
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["e"]),
        helper.make_node("MatMul", ["e", "w1"], ["h1"]),
        helper.make_node("Tanh", ["h1"], ["a1"]),
        helper.make_node("MatMul", ["a1", "w2"], ["embeds"]),
    ]
    save(out, nodes, [i64("input_ids", ["batch", "tokens"])], [f32("embeds", ["batch", "tokens", H])],
         [init("table", w(TEXT_VOCAB, H)), init("w1", w(H, H)), init("w2", w(H, H))])


def codec_embed(out):
    nodes = [helper.make_node("Gather", ["table", "codec_ids"], ["embeds"])]
    save(out, nodes, [i64("codec_ids", ["batch", "tokens"])], [f32("embeds", ["batch", "tokens", H])], [init("table", w(CODEC_VOCAB, H))])


def frame_embed(out):
    # codes [B,T,Q] -> sum over q of table_q[codes[..., q]] -> [B,T,H]
    nodes, inits, parts = [], [], []
    for q in range(CODEBOOKS):
        nodes.append(helper.make_node("Gather", ["codes", f"q{q}"], [f"c{q}"], axis=2))
        nodes.append(helper.make_node("Gather", [f"t{q}", f"c{q}"], [f"e{q}"]))
        inits += [init(f"q{q}", np.array(q, dtype=np.int64)), init(f"t{q}", w(CODEBOOK_SIZE, H))]
        parts.append(f"e{q}")
    nodes.append(helper.make_node("Sum", parts, ["embeds"]))
    save(out, nodes, [i64("codes", ["batch", "frames", CODEBOOKS])], [f32("embeds", ["batch", "frames", H])], inits)


def cp_embed(out):
    # codes [B,1], step [] -> tables[step][codes] -> [B,1,H]
    nodes = [helper.make_node("Gather", ["tables", "step"], ["table"]), helper.make_node("Gather", ["table", "codes"], ["embeds"])]
    save(out, nodes, [i64("codes", ["batch", 1]), i64("step", [])], [f32("embeds", ["batch", 1, H])],
         [init("tables", w(CODEBOOKS - 1, CODEBOOK_SIZE, H))])


def kv_layers(nodes, inits, prefix_in, prefix_out, layers, kv, hd, x, flag=None):
    """Appends, for each layer, new keys/values from x [B,S,H] concatenated to the past: present = concat(past, new).
    With `flag` ([B,kv,S,1]), the last channel of the first layer's keys carries it instead of a projection."""
    inputs, outputs = [], []
    for i in range(layers):
        for kind in ("key", "value"):
            past, present = f"{prefix_in}.{i}.{kind}", f"{prefix_out}.{i}.{kind}"
            inputs.append(f32(past, ["batch", kv, "past", hd]))
            outputs.append(f32(present, ["batch", kv, "total", hd]))
            flagged = flag is not None and i == 0 and kind == "key"
            width = hd - 1 if flagged else hd
            new = f"n_{kind}{i}"
            nodes += [
                helper.make_node("MatMul", [x, f"w_{kind}{i}"], [f"p_{kind}{i}"]),
                helper.make_node("Reshape", [f"p_{kind}{i}", "kv_shape_flag" if flagged else "kv_shape"], [f"r_{kind}{i}"]),
                helper.make_node("Transpose", [f"r_{kind}{i}"], [f"t_{kind}{i}" if flagged else new], perm=[0, 2, 1, 3]),
            ]
            if flagged:
                nodes.append(helper.make_node("Concat", [f"t_{kind}{i}", flag], [new], axis=3))
            nodes.append(helper.make_node("Concat", [past, new], [present], axis=2))
            inits.append(init(f"w_{kind}{i}", w(H, kv * width)))
    inits.append(const_i64("kv_shape", [0, 0, kv, hd]))
    if flag is not None:
        inits.append(const_i64("kv_shape_flag", [0, 0, kv, hd - 1]))
    return inputs, outputs


def talker(out):
    # A prompt position is one that came in a call of more than one position (the prefill); the first layer's keys
    # remember it in their last channel, so the graph can tell the prompt's length from the frames generated since.
    nodes = [
        helper.make_node("Shape", ["inputs_embeds"], ["shape"]),
        helper.make_node("Gather", ["shape", "one"], ["s"]),
        helper.make_node("Greater", ["s", "one"], ["is_prompt"]),
        helper.make_node("Cast", ["is_prompt"], ["prompt_f"], to=TensorProto.FLOAT),
        helper.make_node("Gather", ["shape", "zero"], ["b"]),
        helper.make_node("Unsqueeze", ["b", "zero_axis"], ["b_1"]),
        helper.make_node("Unsqueeze", ["s", "zero_axis"], ["s_1"]),
        helper.make_node("Concat", ["b_1", "kv_1", "s_1", "one_1"], ["flag_shape"], axis=0),
        helper.make_node("Expand", ["prompt_f", "flag_shape"], ["flag"]),
    ]
    inits = [const_i64("zero", 0), const_i64("zero_axis", [0]), const_i64("kv_1", [TALKER_KV]), const_i64("one_1", [1])]
    kv_in, kv_out = kv_layers(nodes, inits, "past_key_values", "present", TALKER_LAYERS, TALKER_KV, TALKER_HD, "inputs_embeds", flag="flag")
    last_value = f"present.{TALKER_LAYERS - 1}.value"
    nodes += [
        # the last position's embedding (batches are left-padded, so the last position is real in every row)
        helper.make_node("Sub", ["s", "one"], ["s1"]),
        helper.make_node("Gather", ["inputs_embeds", "s1"], ["last"], axis=1),           # [B,H]
        # context: the mean of the cached values at the positions the attention mask keeps (padding is ignored)
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),  # [B,total]
        helper.make_node("Unsqueeze", ["mask_f", "mask_axes"], ["mask4"]),               # [B,1,total,1]
        helper.make_node("Mul", [last_value, "mask4"], ["kept"]),
        helper.make_node("ReduceSum", ["kept", "sum_axes"], ["ctx_sum"], keepdims=0),     # [B,hd]
        helper.make_node("ReduceSum", ["mask_f", "one_axis"], ["length"], keepdims=1),   # [B,1]: the real length of each row
        helper.make_node("Mul", ["length", "kv_heads"], ["count"]),
        helper.make_node("Div", ["ctx_sum", "count"], ["ctx4"]),
        helper.make_node("MatMul", ["ctx4", "w_ctx"], ["ctx"]),
        helper.make_node("Add", ["last", "ctx"], ["pre"]),
        helper.make_node("Tanh", ["pre"], ["last_hidden"]),
        helper.make_node("MatMul", ["last_hidden", "w_out"], ["raw"]),
        # EOS rises once a row has generated more frames than its prompt is long (× FRAMES_PER_PROMPT_POSITION),
        # so longer texts speak longer, the same batched or alone
        helper.make_node("Gather", ["present.0.key", "first_head"], ["head0"], axis=1),   # [B,total,hd]
        helper.make_node("Gather", ["head0", "last_channel"], ["flags"], axis=2),         # [B,total]
        helper.make_node("Mul", ["flags", "mask_f"], ["prompt_positions"]),
        helper.make_node("ReduceSum", ["prompt_positions", "one_axis"], ["prompt_length"], keepdims=1),
        helper.make_node("Sub", ["length", "prompt_length"], ["generated"]),
        helper.make_node("Mul", ["prompt_length", "frames_per_position"], ["budget"]),
        helper.make_node("Sub", ["generated", "budget"], ["over"]),
        helper.make_node("Relu", ["over"], ["over_pos"]),
        helper.make_node("Mul", ["over_pos", "eos_onehot"], ["eos_bias"]),
        helper.make_node("Add", ["raw", "eos_bias"], ["logits"]),
    ]
    onehot = np.zeros(CODEC_VOCAB, dtype=np.float32)
    onehot[SPECIAL["codec_eos"]] = 3.0
    inits += [const_i64("one", 1), const_i64("mask_axes", [1, 3]), const_i64("sum_axes", [1, 2]), const_i64("one_axis", [1]),
              const_i64("first_head", 0), const_i64("last_channel", TALKER_HD - 1),
              init("kv_heads", np.array(TALKER_KV, dtype=np.float32)),
              init("w_ctx", w(TALKER_HD, H)), init("w_out", w(H, CODEC_VOCAB, scale=1.0)),
              init("frames_per_position", np.array(FRAMES_PER_PROMPT_POSITION, dtype=np.float32)), init("eos_onehot", onehot)]
    inputs = [f32("inputs_embeds", ["batch", "sequence", H]), i64("attention_mask", ["batch", "total"]),
              i64("position_ids", ["batch", "sequence"])] + kv_in
    outputs = [f32("logits", ["batch", CODEC_VOCAB]), f32("last_hidden", ["batch", H])] + kv_out
    save(out, nodes, inputs, outputs, inits)


def code_predictor(out):
    nodes, inits = [], []
    kv_in, kv_out = kv_layers(nodes, inits, "past_key_values", "present", CP_LAYERS, CP_KV, CP_HD, "inputs_embeds")
    nodes += [
        helper.make_node("Shape", ["inputs_embeds"], ["shape"]),
        helper.make_node("Gather", ["shape", "one"], ["s"]),
        helper.make_node("Sub", ["s", "one"], ["s1"]),
        helper.make_node("Gather", ["inputs_embeds", "s1"], ["last"], axis=1),
        helper.make_node("ReduceMean", [f"present.{CP_LAYERS - 1}.value"], ["ctx4"], axes=[1, 2], keepdims=0),
        helper.make_node("MatMul", ["ctx4", "w_ctx"], ["ctx"]),
        helper.make_node("Add", ["last", "ctx"], ["pre"]),
        helper.make_node("Tanh", ["pre"], ["hidden"]),
        helper.make_node("Gather", ["heads", "generation_step"], ["head"]),                # [H, cb]
        helper.make_node("MatMul", ["hidden", "head"], ["logits"]),
    ]
    inits += [const_i64("one", 1), init("w_ctx", w(CP_HD, H)), init("heads", w(CODEBOOKS - 1, H, CODEBOOK_SIZE, scale=1.0))]
    inputs = [f32("inputs_embeds", ["batch", "sequence", H]), i64("generation_step", [])] + kv_in
    outputs = [f32("logits", ["batch", CODEBOOK_SIZE])] + kv_out
    save(out, nodes, inputs, outputs, inits)


def codec_decode(out):
    # Each frame's 1,920 samples come from that frame's codes only: a base waveform scaled by per-code amplitudes.
    nodes, inits, parts = [], [], []
    for q in range(CODEBOOKS):
        nodes.append(helper.make_node("Gather", ["codes", f"q{q}"], [f"c{q}"], axis=2))        # [B,T]
        nodes.append(helper.make_node("Gather", [f"amp{q}", f"c{q}"], [f"a{q}"]))             # [B,T]
        inits += [init(f"q{q}", np.array(q, dtype=np.int64)), init(f"amp{q}", (rng.uniform(0.05, 0.2, CODEBOOK_SIZE)).astype(np.float32))]
        parts.append(f"a{q}")
    nodes += [
        helper.make_node("Sum", parts, ["amp_sum"]),
        helper.make_node("Unsqueeze", ["amp_sum", "minus_one"], ["amp_col"]),                  # [B,T,1]
        helper.make_node("Mul", ["amp_col", "wave"], ["frames"]),                                  # [B,T,1920]
        helper.make_node("Reshape", ["frames", "flat"], ["audio"]),
    ]
    # 212.5 Hz (17 whole cycles a frame) under a half-sine envelope: every frame starts and ends at silence.
    t = np.arange(SAMPLES_PER_FRAME, dtype=np.float32)
    wave = np.sin(2 * np.pi * 17 * t / SAMPLES_PER_FRAME) * np.sin(np.pi * t / SAMPLES_PER_FRAME)
    inits += [const_i64("minus_one", [-1]), const_i64("flat", [0, -1]), init("wave", wave.astype(np.float32).reshape(1, 1, SAMPLES_PER_FRAME))]
    save(out, nodes, [i64("codes", ["batch", "frames", CODEBOOKS])], [f32("audio", ["batch", "samples"])], inits)


def codec_encode(out):
    # audio [1,N] (N a multiple of 1,920) -> per-frame mean magnitude -> a code per codebook
    nodes = [
        helper.make_node("Reshape", ["audio", "frame_shape"], ["frames"]),                      # [B,T,1920]
        helper.make_node("Abs", ["frames"], ["mag"]),
        helper.make_node("ReduceMean", ["mag"], ["level"], axes=[2], keepdims=1),               # [B,T,1]
        helper.make_node("Mul", ["level", "scales"], ["scaled"]),                               # [B,T,Q]
        helper.make_node("Cast", ["scaled"], ["ints"], to=TensorProto.INT64),
        helper.make_node("Mod", ["ints", "size"], ["codes"]),
    ]
    inits = [const_i64("frame_shape", [0, -1, SAMPLES_PER_FRAME]), init("scales", np.array([1000, 2000, 3000, 4000][:CODEBOOKS], dtype=np.float32)),
             const_i64("size", CODEBOOK_SIZE)]
    save(out, nodes, [f32("audio", ["batch", "samples"])], [i64("codes", ["batch", "frames", CODEBOOKS])], inits)


def speaker_encoder(out):
    nodes = [
        helper.make_node("Mul", ["audio", "audio"], ["power"]),
        helper.make_node("ReduceMean", ["power"], ["energy"], axes=[1], keepdims=1),            # [B,1]
        helper.make_node("Sqrt", ["energy"], ["rms"]),
        helper.make_node("MatMul", ["rms", "w"], ["raw"]),                                      # [B,H]
        helper.make_node("Tanh", ["raw"], ["xvector"]),
    ]
    save(out, nodes, [f32("audio", ["batch", "samples"])], [f32("xvector", ["batch", H])], [init("w", w(1, H, scale=4.0))])


def bytes_to_unicode():
    """GPT-2's byte -> printable character map (byte-level BPE)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def tokenizer(directory):
    chars = bytes_to_unicode()
    vocab = {chars[b]: b for b in range(256)}
    merges = []
    for pair in [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("e", "r"), ("a", "n"), ("o", "n"), ("Ġ", "a"), ("r", "e"), ("Ġ", "s")]:
        merged = pair[0] + pair[1]
        if merged not in vocab:
            vocab[merged] = len(vocab)
            merges.append(f"{pair[0]} {pair[1]}")
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False, sort_keys=True)
    with open(os.path.join(directory, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")


def graph_spec(path):
    model = onnx.load(path, load_external_data=False)

    def describe(values):
        spec = {}
        for v in values:
            t = v.type.tensor_type
            spec[v.name] = {
                "dtype": {TensorProto.FLOAT: "float32", TensorProto.FLOAT16: "float16", TensorProto.INT64: "int64"}[t.elem_type],
                "shape": [d.dim_param if d.dim_param else d.dim_value for d in t.shape.dim],
            }
        return spec

    return {"file": os.path.basename(path), "inputs": describe(model.graph.input), "outputs": describe(model.graph.output)}


def main(directory, model_name="tiny-random-qwen3-tts (tests only)"):
    os.makedirs(directory, exist_ok=True)
    writers = {"text_embed": text_embed, "codec_embed": codec_embed, "frame_embed": frame_embed, "code_predictor_embed": cp_embed,
               "talker": talker, "code_predictor": code_predictor, "codec_decode": codec_decode, "codec_encode": codec_encode,
               "speaker_encoder": speaker_encoder}
    graphs = {}
    for name, write in writers.items():
        path = os.path.join(directory, name + ".onnx")
        write(path)
        graphs[name] = graph_spec(path)
    tokenizer(directory)
    manifest = {
        "format": "voice-qwen3-onnx/1",
        "model": model_name,
        "variant": "base",
        "modes": ["design", "clone", "preset"],
        "sample_rate": 24000,
        "samples_per_frame": SAMPLES_PER_FRAME,
        "codebooks": CODEBOOKS,
        "codebook_size": CODEBOOK_SIZE,
        "hidden_size": H,
        "talker": {"layers": TALKER_LAYERS, "kv_heads": TALKER_KV, "head_dim": TALKER_HD, "vocab_size": CODEC_VOCAB},
        "code_predictor": {"layers": CP_LAYERS, "kv_heads": CP_KV, "head_dim": CP_HD, "vocab_size": CODEBOOK_SIZE},
        "special_tokens": SPECIAL,
        "languages": LANGUAGES,
        "speakers": SPEAKERS,
        "tokenizer": {"vocab": "vocab.json", "merges": "merges.txt"},
        "generation": {"temperature": 0.9, "top_k": 50, "top_p": 1.0, "repetition_penalty": 1.05, "subtalker_temperature": 0.9,
                       "subtalker_top_k": 50, "subtalker_top_p": 1.0, "max_new_tokens": 2048, "min_new_tokens": 2},
        "graphs": graphs,
    }
    with open(os.path.join(directory, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "qwen3-tiny")
