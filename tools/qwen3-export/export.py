#!/usr/bin/env python3
"""Exports an official Qwen3-TTS-12Hz checkpoint to the ONNX model directory the C# engine loads (qwen3-onnx).

    pip install qwen-tts onnx onnxruntime     # the official package (transformers 4.57.3), or tools/qwen3-reference's root
    python export.py <checkpoint-dir> <out-dir> [--precision fp32|fp16] [--device cpu|cuda] [--opset 18]

Then prove the export equal to the official code: tools/qwen3-reference/run.sh --checkpoint <checkpoint-dir> (README,
"Running on real weights").

Graphs (names, inputs and outputs as Voice.Speech/Qwen3/Qwen3Manifest.RequiredGraphs expects):
  text_embed            input_ids i64[B,T]                          -> embeds [B,T,H]        text_embedding + text_projection
  codec_embed           codec_ids i64[B,T]                          -> embeds [B,T,H]        the talker's codec table
  frame_embed           codes i64[B,T,Q]                            -> embeds [B,T,H]        sum of the 16 codebooks' tables
  code_predictor_embed  codes i64[B,1], step i64[]                  -> embeds [B,1,H]        code predictor table `step`
  talker                inputs_embeds [B,S,H], attention_mask i64[B,P+S], position_ids i64[B,S],
                        past_key_values.{i}.key/value [B,kv,P,hd]  -> logits f32[B,V], last_hidden [B,H], present.{i}.key/value
  code_predictor        inputs_embeds [B,S,H], generation_step i64[], past -> logits f32[B,C], present.{i}.key/value
  codec_decode          codes i64[B,T,Q]                            -> audio f32[B,T*1920]
  codec_encode          audio f32[B,N] (24 kHz, any N)              -> codes i64[B,ceil(N/1920),Q]     Base only
  speaker_encoder       audio f32[B,N] (24 kHz)                     -> xvector [B,H]         log-mel inside the graph  Base only

Precision: `fp32` (default) exports everything in float32: what the reference comparison runs. `fp16` exports the
text/codec embeddings and the talker's layers in float16; the talker's head, the code predictor (it overflows in
fp16 on 0.6B), the codec (bf16/fp16 give NaN or silence) and the speaker encoder stay float32, and logits are
always computed in float32. The attention masks are built here from plain tensor operations (the transformers
builders use vmap, which does not export), and every graph is checked against PyTorch at lengths other than the
one it was traced with.
"""
import argparse
import json
import math
import os
import shutil

import torch
from torch import nn

try:
    import qwen3_compat  # tools/qwen3-reference: only needed (and only present) where transformers is 5.x
    qwen3_compat.apply()
except ImportError:
    pass

CODEBOOKS = 16
GRAPHS = ["text_embed", "codec_embed", "frame_embed", "code_predictor_embed", "talker", "code_predictor", "codec_decode",
          "codec_encode", "speaker_encoder"]
LANGUAGES = {"en": "english", "zh": "chinese", "ja": "japanese", "ko": "korean", "de": "german", "fr": "french",
             "ru": "russian", "pt": "portuguese", "es": "spanish", "it": "italian"}


def additive_mask(keep, dtype):
    """A boolean [B,1,Q,K] keep-mask as the additive float mask eager attention adds (0 or the dtype's minimum)."""
    return torch.zeros(keep.shape, dtype=dtype).masked_fill(~keep, torch.finfo(dtype).min)


def positions(vector):
    """0..n-1 for a 1-D tensor of length n, from tensor operations, so that the graph follows the input's length."""
    return torch.cumsum(torch.ones_like(vector, dtype=torch.long), 0) - 1


def causal_keep(queries, keys, padding=None, window=None):
    """[B,1,Q,K] keep-mask: query i (the last Q of the K positions, Q and K the lengths of the 1-D tensors `queries`
    and `keys`) sees key j <= its own position, within `window` when given, where `padding` [B,K] allows."""
    k = positions(keys)
    q = positions(queries)
    q = (q + (k[-1] - q[-1])).unsqueeze(1)
    keep = k.unsqueeze(0) <= q
    if window is not None:
        keep = keep & (q - k.unsqueeze(0) < window)
    keep = keep[None, None]
    if padding is not None:
        keep = keep & padding[:, None, None, :].bool()
    return keep


def cache_from(past, layers):
    """Explicit past tensors -> a transformers DynamicCache (4.5x and 5.x)."""
    from transformers.cache_utils import DynamicCache
    cache = DynamicCache()
    for i in range(layers):
        cache.update(past[2 * i], past[2 * i + 1], i)
    return cache


def presents_of(cache, layers):
    out = []
    for i in range(layers):
        if hasattr(cache, "layers"):
            out += [cache.layers[i].keys, cache.layers[i].values]
        else:
            out += [cache.key_cache[i], cache.value_cache[i]]
    return out


class TextEmbed(nn.Module):
    def __init__(self, talker):
        super().__init__()
        self.embedding, self.projection = talker.model.text_embedding, talker.text_projection

    def forward(self, input_ids):
        return self.projection(self.embedding(input_ids))


class CodecEmbed(nn.Module):
    def __init__(self, talker):
        super().__init__()
        self.embedding = talker.model.codec_embedding

    def forward(self, codec_ids):
        return self.embedding(codec_ids)


class FrameEmbed(nn.Module):
    """codebook 0 from the talker's table, codebook i from the code predictor's table i-1, summed (the official order)."""

    def __init__(self, talker):
        super().__init__()
        self.first = talker.model.codec_embedding
        self.rest = talker.code_predictor.model.codec_embedding

    def forward(self, codes):
        total = self.first(codes[..., 0])
        for i, table in enumerate(self.rest):
            total = total + table(codes[..., i + 1])
        return total


class CodePredictorEmbed(nn.Module):
    def __init__(self, talker):
        super().__init__()
        self.register_buffer("tables", torch.stack([t.weight for t in talker.code_predictor.model.codec_embedding]))

    def forward(self, codes, step):
        return self.tables[step][codes]


class Talker(nn.Module):
    """The talker's decoder with its cache; the head runs in float32 whatever the layers' precision."""

    def __init__(self, talker):
        super().__init__()
        self.model = talker.model
        self.head = nn.Linear(talker.codec_head.in_features, talker.codec_head.out_features, bias=False)
        self.head.weight = nn.Parameter(talker.codec_head.weight.detach().float().clone())
        self.layers = talker.config.num_hidden_layers

    def forward(self, inputs_embeds, attention_mask, position_ids, *past):
        cache = cache_from(past, self.layers)
        mask = additive_mask(causal_keep(inputs_embeds[0, :, 0], attention_mask[0], attention_mask), inputs_embeds.dtype)
        out = self.model(inputs_embeds=inputs_embeds, attention_mask=mask, position_ids=position_ids,
                         past_key_values=cache, use_cache=True)
        hidden = out.last_hidden_state[:, -1]
        return (self.head(hidden.float()), hidden, *presents_of(cache, self.layers))


class CodePredictor(nn.Module):
    def __init__(self, talker):
        super().__init__()
        predictor = talker.code_predictor
        self.model, self.projection = predictor.model, predictor.small_to_mtp_projection
        self.register_buffer("heads", torch.stack([h.weight for h in predictor.lm_head]))  # [Q-1, C, Hc]
        self.layers = predictor.config.num_hidden_layers

    def forward(self, inputs_embeds, generation_step, *past):
        cache = cache_from(past, self.layers)
        keys = torch.cat([past[0][0, 0, :, 0], inputs_embeds[0, :, 0]])
        mask = additive_mask(causal_keep(inputs_embeds[0, :, 0], keys), inputs_embeds.dtype).expand(inputs_embeds.shape[0], -1, -1, -1)
        out = self.model(inputs_embeds=self.projection(inputs_embeds), attention_mask=mask, past_key_values=cache, use_cache=True)
        hidden = out.last_hidden_state[:, -1]
        logits = hidden @ self.heads[generation_step].transpose(0, 1)
        return (logits.float(), *presents_of(cache, self.layers))


class CodecDecode(nn.Module):
    """Qwen3TTSTokenizerV2Decoder.forward with its transformer's masks given (causal, and the 72-frame sliding window)."""

    def __init__(self, tokenizer_model):
        super().__init__()
        self.decoder = tokenizer_model.decoder
        self.window = tokenizer_model.decoder.config.sliding_window
        for module in self.decoder.modules():
            kind = type(module).__name__
            if kind == "Qwen3TTSTokenizerV2CausalTransConvNet" and module.right_pad > 0:
                module.forward = self._cut_right(module)  # the official cut, shape[-1] - pad, traces as a constant
            if kind == "Qwen3TTSTokenizerV2CausalConvNet":
                module.forward = self._pad_left(module)  # its extra right padding (0 at stride 1) traces as "dummy - length"

    @staticmethod
    def _pad_left(module):
        assert module.stride == 1, "the decoder's causal convolutions have stride 1: no right padding"

        def forward(hidden):
            return module.conv(nn.functional.pad(hidden, (module.padding, 0))).contiguous()
        return forward

    @staticmethod
    def _cut_right(module):
        def forward(hidden):
            return module.conv(hidden)[..., : -module.right_pad].contiguous()
        return forward

    def forward(self, codes):
        d = self.decoder
        hidden = d.quantizer.decode(codes.transpose(1, 2))
        hidden = d.pre_conv(hidden).transpose(1, 2)
        frames = hidden[0, :, 0]
        masks = {"full_attention": additive_mask(causal_keep(frames, frames), hidden.dtype),
                 "sliding_attention": additive_mask(causal_keep(frames, frames, window=self.window), hidden.dtype)}
        hidden = d.pre_transformer(inputs_embeds=hidden, attention_mask=masks).last_hidden_state.permute(0, 2, 1)
        for blocks in d.upsample:
            for block in blocks:
                hidden = block(hidden)
        for block in d.decoder:
            hidden = block(hidden)
        wav = hidden.clamp(min=-1, max=1)
        return wav.reshape(wav.shape[0], -1)


def dynamic_extra_padding(conv, hidden):
    """MimiConv1d's right padding to complete the last frame, from tensor operations so it follows the input's length."""
    kernel = int(conv.kernel_size) if torch.is_tensor(conv.kernel_size) else conv.kernel_size
    stride = int(conv.stride) if torch.is_tensor(conv.stride) else conv.stride
    total = kernel - stride
    length = torch.tensor(hidden.shape[-1]) if not torch.jit.is_tracing() else torch._shape_as_tensor(hidden)[-1]
    frames = torch.ceil((length - kernel + total).float() / stride + 1).long() - 1
    return frames * stride + kernel - total - length


def pad_sides(hidden, left, extra, limit, mode):
    """`left` values on the left, `extra` (a tensor below `limit`) on the right, zeros or replicated edges as the
    convolution's pad_mode says: pad the right by the limit, then cut."""
    mode = "constant" if mode in ("constant", "zero") else mode
    padded = nn.functional.pad(hidden, (left, limit), mode=mode)
    return padded[..., : hidden.shape[-1] + left + extra]


class CodecEncode(nn.Module):
    """MimiModel._encode_frame with its convolutions' right padding computed at run time, the transformer's causal
    250-step sliding-window mask given, and the nearest-centroid search written without cdist (which does not
    export); the codes are then cut to ceil(N / 1920) frames, as Qwen3TTSTokenizerV2Model.encode does."""

    def __init__(self, tokenizer_model):
        super().__init__()
        self.mimi = tokenizer_model.encoder
        self.quantizers = tokenizer_model.encoder_valid_num_quantizers
        self.rate = tokenizer_model.encode_downsample_rate
        self.window = self.mimi.config.sliding_window
        for module in self.mimi.modules():
            if type(module).__name__ == "MimiConv1d":
                module.forward = self._conv_forward(module)
            if type(module).__name__ == "MimiEuclideanCodebook":
                module.quantize = self._quantize(module)

    @staticmethod
    def _conv_forward(conv):
        kernel = int(conv.kernel_size) if torch.is_tensor(conv.kernel_size) else conv.kernel_size
        stride = int(conv.stride) if torch.is_tensor(conv.stride) else conv.stride
        total = kernel - stride
        assert conv.causal, "the 12 Hz tokenizer's Mimi encoder is causal"

        def forward(hidden, padding_cache=None):
            hidden = pad_sides(hidden, total, dynamic_extra_padding(conv, hidden), max(stride, 1), conv.pad_mode)
            return conv.conv(hidden)
        return forward

    @staticmethod
    def _quantize(codebook):
        def quantize(hidden):
            embed = codebook.embed.float()
            hidden = hidden.float()
            dists = (hidden * hidden).sum(-1, keepdim=True) - 2 * hidden @ embed.t() + (embed * embed).sum(-1)[None]
            return dists.argmin(dim=-1)
        return quantize

    def forward(self, audio):
        mimi = self.mimi
        embeddings = mimi.encoder(audio.unsqueeze(1))
        steps = embeddings[0, 0, :]
        mask = additive_mask(causal_keep(steps, steps, window=self.window), embeddings.dtype)
        hidden = mimi.encoder_transformer(embeddings.transpose(1, 2), attention_mask=mask, return_dict=True)[0]
        embeddings = mimi.downsample(hidden.transpose(1, 2))
        codes = mimi.quantizer.encode(embeddings, self.quantizers).transpose(0, 1)  # [B, Q, T]
        frames = torch.div(torch._shape_as_tensor(audio)[-1] + self.rate - 1, self.rate, rounding_mode="floor")
        return codes[..., :frames].transpose(1, 2)


class SpeakerEncoder(nn.Module):
    """The official mel_spectrogram (n_fft 1024, hop 256, periodic Hann, 128 slaney mels 0-12 kHz, reflect pad 384,
    not centred, sqrt(re^2 + im^2 + 1e-9), log(clamp(1e-5))) with the STFT as a convolution with the DFT basis, then
    ECAPA-TDNN. The basis is computed in the graph (k*n mod N keeps the angles small and exact) instead of stored:
    stored, it would be 4 MB."""

    N = 1024

    def __init__(self, encoder):
        super().__init__()
        from librosa.filters import mel
        self.encoder = encoder
        self.register_buffer("mel_basis", torch.from_numpy(mel(sr=24000, n_fft=self.N, n_mels=128, fmin=0, fmax=12000)).float())

    def forward(self, audio):
        one = (audio[:1, :1] * 0 + 1).reshape(())  # ties the basis to the input, so that tracing keeps it as operations
        n = torch.cumsum(one.expand(self.N), 0) - 1
        k = torch.cumsum(one.expand(self.N // 2 + 1), 0) - 1
        angle = torch.remainder(k[:, None] * n[None], self.N) * (2 * math.pi / self.N)  # integers < 2^24: exact in float
        window = 0.5 - 0.5 * torch.cos(n * (2 * math.pi / self.N))
        y = nn.functional.pad(audio.unsqueeze(1), (384, 384), mode="reflect")
        re = nn.functional.conv1d(y, (torch.cos(angle) * window)[:, None, :], stride=256)
        im = nn.functional.conv1d(y, (-torch.sin(angle) * window)[:, None, :], stride=256)
        magnitude = torch.sqrt(re * re + im * im + 1e-9)
        mels = torch.log(torch.clamp(self.mel_basis @ magnitude, min=1e-5)).transpose(1, 2)  # [B, frames, 128]
        return self.encoder(mels)


def export(module, args, path, inputs, outputs, dynamic, opset, fold=True):
    torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
                      opset_version=opset, do_constant_folding=fold, dynamo=False)


def describe(path):
    import onnx
    from onnx import TensorProto
    names = {TensorProto.FLOAT: "float32", TensorProto.FLOAT16: "float16", TensorProto.INT64: "int64"}
    model = onnx.load(path, load_external_data=False)

    def spec(values):
        return {v.name: {"dtype": names.get(v.type.tensor_type.elem_type, str(v.type.tensor_type.elem_type)),
                         "shape": [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]} for v in values}
    return {"file": os.path.basename(path), "inputs": spec(model.graph.input), "outputs": spec(model.graph.output)}


class Checker:
    """Runs each exported graph with onnxruntime at shapes other than the traced ones and compares it with PyTorch:
    with the official module where one exists (the codec, the speaker embedding), else with the export wrapper."""

    def __init__(self, precision):
        try:
            import onnxruntime
            self.ort = onnxruntime
        except ImportError:
            self.ort = None
            print("warning: onnxruntime is not installed, so the graphs are not checked at other lengths")
        self.tolerance = 1e-3 if precision == "fp32" else 5e-2
        self.report = {}

    def check(self, name, path, cases, exact=False):
        """cases: (inputs, expected outputs) pairs, computed before the graph was traced."""
        if self.ort is None:
            return
        session = self.ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs()]
        worst = 0.0
        for args, expected in cases:
            got = session.run(None, {n: a.cpu().numpy() for n, a in zip(names, args)})
            for index, (e, g) in enumerate(zip(expected, got)):
                e = e.detach().cpu().numpy()
                if e.shape != g.shape:
                    raise SystemExit(f"{name}: output {index} has shape {g.shape} in ONNX, {e.shape} in PyTorch (inputs {[tuple(x.shape) for x in args]})")
                if exact or e.dtype.kind != "f":
                    if not (e == g).all():
                        raise SystemExit(f"{name}: output {index} differs from PyTorch in {int((e != g).sum())} of {e.size} values")
                    continue
                scale = max(1e-6, float(abs(e).max()))
                worst = max(worst, float(abs(e.astype("float32") - g.astype("float32")).max()) / scale)
        if worst > self.tolerance:
            raise SystemExit(f"{name}: ONNX differs from PyTorch by {worst:.2e} of the output's range")
        self.report[name] = {"shapes_checked": len(cases), "max_relative_difference": worst}
        print(f"checked {name}: {len(cases)} shapes, max relative difference {worst:.1e}")


def expect(function, cases):
    """(inputs, outputs) pairs: the reference outputs, computed now (before any export wrapper patches a module)."""
    pairs = []
    with torch.no_grad():
        for args in cases:
            result = function(*args)
            pairs.append((args, tuple(result) if isinstance(result, (tuple, list)) else (result,)))
    return pairs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("output")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--opset", type=int, default=18)
    parser.add_argument("--precision", choices=["fp32", "fp16"], default="fp32")
    a = parser.parse_args()

    from qwen_tts import Qwen3TTSModel
    wrapper = Qwen3TTSModel.from_pretrained(a.checkpoint, device_map=a.device, dtype=torch.float32, attn_implementation="eager")
    model = wrapper.model.eval()
    talker, config = model.talker, model.config
    tc, cc = talker.config, talker.config.code_predictor_config
    half = torch.float16 if a.precision == "fp16" else torch.float32
    os.makedirs(a.output, exist_ok=True)
    out = lambda name: os.path.join(a.output, name + ".onnx")  # noqa: E731
    dev = torch.device(a.device)
    H, kv, hd = tc.hidden_size, tc.num_key_value_heads, tc.head_dim
    ckv, chd = cc.num_key_value_heads, getattr(cc, "head_dim", cc.hidden_size // cc.num_attention_heads)
    checker = Checker(a.precision)
    longs = lambda *shape, high=2: torch.randint(0, high, shape, device=dev)  # noqa: E731

    with torch.no_grad():  # not inference_mode: its tensors cannot be traced
        codec = model.speech_tokenizer.model.float().to(dev)
        size = codec.config.decoder_config.codebook_size
        decoded = expect(lambda codes: codec.decoder(codes.transpose(1, 2)).reshape(codes.shape[0], -1),
                         [(longs(1, n, CODEBOOKS, high=size),) for n in (1, 4, 37, 100)] + [(longs(2, 13, CODEBOOKS, high=size),)])
        modes = {"voice_design": ["design"], "custom_voice": ["preset"], "base": ["clone"]}[config.tts_model_type]
        if "clone" in modes:  # the official encode and speaker embedding, before CodecEncode patches the Mimi modules
            audio = [torch.randn(1, n, device=dev) * 0.1 for n in (1920, 24001, 61337)]
            encoded = expect(lambda x: torch.stack(codec.encode(x, torch.ones_like(x, dtype=torch.long)).audio_codes), [(x,) for x in audio])
            embedded = expect(lambda x: model.extract_speaker_embedding(x[0].cpu().numpy(), 24000)[None],
                              [(torch.randn(1, n, device=dev) * 0.1,) for n in (24000, 50001)])
        ids = torch.ones(1, 4, dtype=torch.long, device=dev)
        module = TextEmbed(talker).to(half)
        export(module, (ids,), out("text_embed"), ["input_ids"], ["embeds"],
               {"input_ids": {0: "batch", 1: "tokens"}, "embeds": {0: "batch", 1: "tokens"}}, a.opset)
        checker.check("text_embed", out("text_embed"), expect(module, [(longs(2, 9, high=tc.text_vocab_size),)]))
        module = CodecEmbed(talker).to(half)
        export(module, (ids,), out("codec_embed"), ["codec_ids"], ["embeds"],
               {"codec_ids": {0: "batch", 1: "tokens"}, "embeds": {0: "batch", 1: "tokens"}}, a.opset)
        checker.check("codec_embed", out("codec_embed"), expect(module, [(longs(3, 1, high=tc.vocab_size),)]))
        codes = torch.zeros(1, 3, CODEBOOKS, dtype=torch.long, device=dev)
        module = FrameEmbed(talker).to(half)
        export(module, (codes,), out("frame_embed"), ["codes"], ["embeds"],
               {"codes": {0: "batch", 1: "frames"}, "embeds": {0: "batch", 1: "frames"}}, a.opset)
        checker.check("frame_embed", out("frame_embed"), expect(module, [(longs(2, 7, CODEBOOKS, high=cc.vocab_size),)]))
        module = CodePredictorEmbed(talker).to(torch.float32)
        export(module, (torch.zeros(1, 1, dtype=torch.long, device=dev), torch.tensor(0, device=dev)),
               out("code_predictor_embed"), ["codes", "step"], ["embeds"], {"codes": {0: "batch"}, "embeds": {0: "batch"}}, a.opset)
        checker.check("code_predictor_embed", out("code_predictor_embed"),
                      expect(module, [(longs(3, 1, high=cc.vocab_size), torch.tensor(5, device=dev))]))

        layers = tc.num_hidden_layers
        past_names = [f"past_key_values.{i}.{k}" for i in range(layers) for k in ("key", "value")]
        present_names = [n.replace("past_key_values.", "present.") for n in past_names]
        dynamic = {"inputs_embeds": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "total"},
                   "position_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}, "last_hidden": {0: "batch"}}
        dynamic.update({n: {0: "batch", 2: "past"} for n in past_names})
        dynamic.update({n: {0: "batch", 2: "total"} for n in present_names})
        module = Talker(talker).to(half)
        module.head.float()

        def talker_args(b, p, s):
            past = [torch.randn(b, kv, p, hd, device=dev).to(half) for _ in range(2 * layers)]
            mask = torch.ones(b, p + s, dtype=torch.long, device=dev)
            mask[0, :1] = 0  # a left-padded row
            positions = (torch.arange(s, device=dev) + p).expand(b, s).contiguous()
            return (torch.randn(b, s, H, device=dev).to(half), mask, positions, *past)
        export(module, talker_args(1, 3, 2), out("talker"), ["inputs_embeds", "attention_mask", "position_ids", *past_names],
               ["logits", "last_hidden", *present_names], dynamic, a.opset)
        checker.check("talker", out("talker"), expect(module, [talker_args(2, 0, 7), talker_args(3, 11, 1)]))

        clayers = cc.num_hidden_layers
        cpast_names = [f"past_key_values.{i}.{k}" for i in range(clayers) for k in ("key", "value")]
        cpresent_names = [n.replace("past_key_values.", "present.") for n in cpast_names]
        cdynamic = {"inputs_embeds": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}}
        cdynamic.update({n: {0: "batch", 2: "past"} for n in cpast_names})
        cdynamic.update({n: {0: "batch", 2: "total"} for n in cpresent_names})
        module = CodePredictor(talker).float()

        def predictor_args(b, p, s, step):
            past = [torch.randn(b, ckv, p, chd, device=dev) for _ in range(2 * clayers)]
            return (torch.randn(b, s, H, device=dev), torch.tensor(step, device=dev), *past)
        export(module, predictor_args(1, 1, 1, 1), out("code_predictor"), ["inputs_embeds", "generation_step", *cpast_names],
               ["logits", *cpresent_names], cdynamic, a.opset)
        checker.check("code_predictor", out("code_predictor"), expect(module, [predictor_args(2, 0, 2, 0), predictor_args(3, 9, 1, 14)]))

        export(CodecDecode(codec), (torch.zeros(1, 30, CODEBOOKS, dtype=torch.long, device=dev),), out("codec_decode"), ["codes"], ["audio"],
               {"codes": {0: "batch", 1: "frames"}, "audio": {0: "batch", 1: "samples"}}, a.opset)
        checker.check("codec_decode", out("codec_decode"), decoded)
        if "clone" in modes:
            export(CodecEncode(codec), (torch.randn(1, 1920 * 25, device=dev) * 0.1,), out("codec_encode"), ["audio"], ["codes"],
                   {"audio": {0: "batch", 1: "samples"}, "codes": {0: "batch", 1: "frames"}}, a.opset)
            checker.check("codec_encode", out("codec_encode"), encoded, exact=True)
            export(SpeakerEncoder(model.speaker_encoder.float()).to(dev), (torch.randn(1, 24000 * 3, device=dev) * 0.1,),
                   out("speaker_encoder"), ["audio"], ["xvector"], {"audio": {0: "batch", 1: "samples"}, "xvector": {0: "batch"}}, a.opset,
                   fold=False)  # folding would store the DFT basis
            checker.check("speaker_encoder", out("speaker_encoder"), embedded)

    for name in ("vocab.json", "merges.txt"):
        shutil.copy(os.path.join(a.checkpoint, name), os.path.join(a.output, name))
    with open(os.path.join(a.checkpoint, "generation_config.json"), encoding="utf-8") as f:
        gen = json.load(f)
    dialects = {name: tc.codec_language_id[d] for name, d in (tc.spk_is_dialect or {}).items() if d}
    manifest = {
        "format": "voice-qwen3-onnx/1",
        "model": os.path.basename(a.checkpoint.rstrip("/")),
        "variant": config.tts_model_type,
        "size": config.tts_model_size,
        "precision": a.precision,
        "modes": modes,
        "sample_rate": 24000,
        "samples_per_frame": 1920,
        "codebooks": CODEBOOKS,
        "codebook_size": cc.vocab_size,
        "hidden_size": H,
        "talker": {"layers": layers, "kv_heads": kv, "head_dim": hd, "vocab_size": tc.vocab_size},
        "code_predictor": {"layers": clayers, "kv_heads": ckv, "head_dim": chd, "vocab_size": cc.vocab_size},
        "special_tokens": {
            "codec_pad": tc.codec_pad_id, "codec_bos": tc.codec_bos_id, "codec_eos": tc.codec_eos_token_id,
            "codec_think": tc.codec_think_id, "codec_nothink": tc.codec_nothink_id,
            "codec_think_bos": tc.codec_think_bos_id, "codec_think_eos": tc.codec_think_eos_id,
            "im_start": config.im_start_token_id, "im_end": config.im_end_token_id,
            "tts_pad": config.tts_pad_token_id, "tts_bos": config.tts_bos_token_id, "tts_eos": config.tts_eos_token_id,
        },
        "languages": {code: tc.codec_language_id[name] for code, name in LANGUAGES.items() if name in tc.codec_language_id},
        "speakers": {k.lower(): v for k, v in (tc.spk_id or {}).items()},
        "speaker_dialects": {k.lower(): v for k, v in dialects.items()},
        "tokenizer": {"vocab": "vocab.json", "merges": "merges.txt"},
        "generation": {
            "temperature": gen.get("temperature", 0.9), "top_k": gen.get("top_k", 50), "top_p": gen.get("top_p", 1.0),
            "repetition_penalty": gen.get("repetition_penalty", 1.05), "subtalker_temperature": gen.get("subtalker_temperature", 0.9),
            "subtalker_top_k": gen.get("subtalker_top_k", 50), "subtalker_top_p": gen.get("subtalker_top_p", 1.0),
            "max_new_tokens": gen.get("max_new_tokens", 2048), "min_new_tokens": 2,
        },
        "graphs": {name: describe(out(name)) for name in GRAPHS if os.path.exists(out(name))},
        "checks": checker.report,
    }
    with open(os.path.join(a.output, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
    print(f"wrote {a.output}: " + ", ".join(sorted(manifest["graphs"])))


if __name__ == "__main__":
    main()
