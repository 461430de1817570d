#!/usr/bin/env python3
"""Exports an official Qwen3-TTS-12Hz checkpoint to the ONNX model directory the C# engine loads (qwen3-onnx).

Run where the weights, PyTorch and (ideally) a GPU are:

    pip install qwen-tts onnx            # the official package: qwen_tts.Qwen3TTSModel
    python export.py Qwen/Qwen3-TTS-12Hz-1.7B-VoiceDesign out/voicedesign-1.7b [--device cuda] [--opset 18]
    python parity.py Qwen/Qwen3-TTS-12Hz-1.7B-VoiceDesign out/voicedesign-1.7b

Graphs (names, inputs and outputs as Voice.Speech/Qwen3/Qwen3Manifest.RequiredGraphs expects; the tiny test model
written by make_tiny_model.py has the same signatures):
  text_embed            input_ids i64[B,T]                          -> embeds [B,T,H]        text_embedding + text_projection
  codec_embed           codec_ids i64[B,T]                          -> embeds [B,T,H]        the talker's codec table
  frame_embed           codes i64[B,T,Q]                            -> embeds [B,T,H]        sum of the 16 codebooks' tables
  code_predictor_embed  codes i64[B,1], step i64[]                  -> embeds [B,1,H]        code predictor table `step`
  talker                inputs_embeds [B,S,H], attention_mask i64[B,P+S], position_ids i64[B,S],
                        past_key_values.{i}.key/value [B,kv,P,hd]  -> logits f32[B,V], last_hidden [B,H], present.{i}.key/value
  code_predictor        inputs_embeds [B,S,H], generation_step i64[], past (5 layers)
                                                                    -> logits f32[B,2048], present.{i}.key/value
  codec_decode          codes i64[B,T,Q]                            -> audio f32[B,T*1920]   fp32 (bf16/fp16 give NaN/silence)
  codec_encode          audio f32[B,N] (24 kHz, N a multiple of 1920) -> codes i64[B,T,Q]   fp32 (fp16 overflows)   Base only
  speaker_encoder       audio f32[B,N] (24 kHz)                     -> xvector [B,H]         log-mel inside the graph  Base only

Precision (../../../shared/qwen3tts.md §5): talker and code predictor in fp16 with logits upcast to fp32 inside the graph;
the codec and the speaker encoder in fp32. Pass --fp32 to export everything in fp32 (CPU runs, parity checks).
Status: written against qwen_tts at QwenLM/Qwen3-TTS HEAD (module names read from its source); not yet run against
the real checkpoints from this repository's CI (no weights or GPU there). Run parity.py after every export.
"""
import argparse
import json
import os
import shutil

import torch
from torch import nn

CODEBOOKS = 16


def cache_from(past, layers):
    """Explicit past tensors -> a transformers DynamicCache (keys/values appended per layer)."""
    from transformers.cache_utils import DynamicCache
    cache = DynamicCache()
    for i in range(layers):
        cache.update(past[2 * i], past[2 * i + 1], i)
    return cache


def presents_of(cache, layers):
    """A DynamicCache after a forward pass -> [key0, value0, key1, ...] (both transformers 4.5x and 5.x layouts)."""
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
    """codebook 0 from the talker's table, codebook i from the code predictor's table i-1, summed."""

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
    def __init__(self, talker):
        super().__init__()
        self.model, self.head = talker.model, talker.codec_head
        self.layers = talker.config.num_hidden_layers

    def forward(self, inputs_embeds, attention_mask, position_ids, *past):
        cache = cache_from(past, self.layers)
        out = self.model(inputs_embeds=inputs_embeds, attention_mask=attention_mask, position_ids=position_ids,
                         past_key_values=cache, use_cache=True)
        hidden = out.last_hidden_state[:, -1]
        return (self.head(hidden).float(), hidden, *presents_of(cache, self.layers))


class CodePredictor(nn.Module):
    def __init__(self, talker):
        super().__init__()
        predictor = talker.code_predictor
        self.model, self.projection = predictor.model, predictor.small_to_mtp_projection
        self.register_buffer("heads", torch.stack([h.weight for h in predictor.lm_head]))  # [Q-1, V, Hc]
        self.layers = predictor.config.num_hidden_layers

    def forward(self, inputs_embeds, generation_step, *past):
        cache = cache_from(past, self.layers)
        out = self.model(inputs_embeds=self.projection(inputs_embeds), past_key_values=cache, use_cache=True)
        hidden = out.last_hidden_state[:, -1]
        logits = hidden @ self.heads[generation_step].transpose(0, 1)
        return (logits.float(), *presents_of(cache, self.layers))


class CodecDecode(nn.Module):
    def __init__(self, tokenizer_model):
        super().__init__()
        self.decoder = tokenizer_model.decoder

    def forward(self, codes):
        wav = self.decoder(codes.transpose(1, 2))  # [B, Q, T] -> [B, 1, T*1920]
        return wav.reshape(wav.shape[0], -1)


class CodecEncode(nn.Module):
    def __init__(self, tokenizer_model):
        super().__init__()
        self.encoder = tokenizer_model.encoder
        self.quantizers = tokenizer_model.encoder_valid_num_quantizers

    def forward(self, audio):
        codes = self.encoder.encode(input_values=audio.unsqueeze(1), return_dict=True).audio_codes[:, :self.quantizers]
        return codes.transpose(1, 2)  # [B, T, Q]


class SpeakerEncoder(nn.Module):
    """The reference's log-mel (n_fft 1024, hop 256, 128 slaney mels, 0–12 kHz, reflect pad, no centring) and ECAPA-TDNN."""

    def __init__(self, encoder):
        super().__init__()
        from librosa.filters import mel
        self.encoder = encoder
        self.register_buffer("mel_basis", torch.from_numpy(mel(sr=24000, n_fft=1024, n_mels=128, fmin=0, fmax=12000)).float())
        self.register_buffer("window", torch.hann_window(1024))

    def forward(self, audio):
        pad = (1024 - 256) // 2
        y = nn.functional.pad(audio.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
        spec = torch.stft(y, 1024, hop_length=256, win_length=1024, window=self.window, center=False, return_complex=False)
        magnitude = torch.sqrt(spec.pow(2).sum(-1) + 1e-9)
        mels = torch.log(torch.clamp(self.mel_basis @ magnitude, min=1e-5)).transpose(1, 2)  # [B, frames, 128]
        return self.encoder(mels)


def export(module, args, path, inputs, outputs, dynamic, opset):
    torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
                      opset_version=opset, do_constant_folding=True, dynamo=False)


def describe(path):
    import onnx
    from onnx import TensorProto
    names = {TensorProto.FLOAT: "float32", TensorProto.FLOAT16: "float16", TensorProto.INT64: "int64"}
    model = onnx.load(path, load_external_data=False)

    def spec(values):
        return {v.name: {"dtype": names.get(v.type.tensor_type.elem_type, str(v.type.tensor_type.elem_type)),
                         "shape": [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]} for v in values}
    return {"file": os.path.basename(path), "inputs": spec(model.graph.input), "outputs": spec(model.graph.output)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("output")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--opset", type=int, default=18)
    parser.add_argument("--fp32", action="store_true", help="export the talker and code predictor in fp32 too")
    a = parser.parse_args()

    from qwen_tts import Qwen3TTSModel
    wrapper = Qwen3TTSModel.from_pretrained(a.checkpoint, device_map=a.device, dtype=torch.float32)
    model = wrapper.model.eval()
    talker, config = model.talker, model.config
    tc, cc = talker.config, talker.config.code_predictor_config
    half = torch.float32 if a.fp32 else torch.float16
    os.makedirs(a.output, exist_ok=True)
    out = lambda name: os.path.join(a.output, name + ".onnx")  # noqa: E731
    dev = torch.device(a.device)
    H, kv, hd = tc.hidden_size, tc.num_key_value_heads, tc.head_dim
    ckv, chd = cc.num_key_value_heads, getattr(cc, "head_dim", cc.hidden_size // cc.num_attention_heads)

    with torch.inference_mode():
        ids = torch.ones(1, 4, dtype=torch.long, device=dev)
        export(TextEmbed(talker).to(half), (ids,), out("text_embed"), ["input_ids"], ["embeds"],
               {"input_ids": {0: "batch", 1: "tokens"}, "embeds": {0: "batch", 1: "tokens"}}, a.opset)
        export(CodecEmbed(talker).to(half), (ids,), out("codec_embed"), ["codec_ids"], ["embeds"],
               {"codec_ids": {0: "batch", 1: "tokens"}, "embeds": {0: "batch", 1: "tokens"}}, a.opset)
        codes = torch.zeros(1, 3, CODEBOOKS, dtype=torch.long, device=dev)
        export(FrameEmbed(talker).to(half), (codes,), out("frame_embed"), ["codes"], ["embeds"],
               {"codes": {0: "batch", 1: "frames"}, "embeds": {0: "batch", 1: "frames"}}, a.opset)
        export(CodePredictorEmbed(talker).to(half), (torch.zeros(1, 1, dtype=torch.long, device=dev), torch.tensor(0, device=dev)),
               out("code_predictor_embed"), ["codes", "step"], ["embeds"], {"codes": {0: "batch"}, "embeds": {0: "batch"}}, a.opset)

        layers = tc.num_hidden_layers
        past = [torch.zeros(1, kv, 3, hd, dtype=half, device=dev) for _ in range(2 * layers)]
        past_names = [f"past_key_values.{i}.{k}" for i in range(layers) for k in ("key", "value")]
        present_names = [n.replace("past_key_values.", "present.") for n in past_names]
        dynamic = {"inputs_embeds": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "total"},
                   "position_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}, "last_hidden": {0: "batch"}}
        dynamic.update({n: {0: "batch", 2: "past"} for n in past_names})
        dynamic.update({n: {0: "batch", 2: "total"} for n in present_names})
        embeds = torch.zeros(1, 2, H, dtype=half, device=dev)
        export(Talker(talker).to(half), (embeds, torch.ones(1, 5, dtype=torch.long, device=dev),
                                          torch.tensor([[3, 4]], device=dev), *past),
               out("talker"), ["inputs_embeds", "attention_mask", "position_ids", *past_names], ["logits", "last_hidden", *present_names],
               dynamic, a.opset)

        clayers = cc.num_hidden_layers
        cpast = [torch.zeros(1, ckv, 1, chd, dtype=half, device=dev) for _ in range(2 * clayers)]
        cpast_names = [f"past_key_values.{i}.{k}" for i in range(clayers) for k in ("key", "value")]
        cpresent_names = [n.replace("past_key_values.", "present.") for n in cpast_names]
        cdynamic = {"inputs_embeds": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}}
        cdynamic.update({n: {0: "batch", 2: "past"} for n in cpast_names})
        cdynamic.update({n: {0: "batch", 2: "total"} for n in cpresent_names})
        export(CodePredictor(talker).to(half), (torch.zeros(1, 1, H, dtype=half, device=dev), torch.tensor(1, device=dev), *cpast),
               out("code_predictor"), ["inputs_embeds", "generation_step", *cpast_names], ["logits", *cpresent_names], cdynamic, a.opset)

        codec = wrapper.model.speech_tokenizer.model.float()
        export(CodecDecode(codec), (torch.zeros(1, 30, CODEBOOKS, dtype=torch.long, device=dev),), out("codec_decode"), ["codes"], ["audio"],
               {"codes": {0: "batch", 1: "frames"}, "audio": {0: "batch", 1: "samples"}}, a.opset)
        modes = {"voice_design": ["design"], "custom_voice": ["preset"], "base": ["clone"]}[config.tts_model_type]
        if "clone" in modes:
            audio = torch.zeros(1, 1920 * 25, device=dev)
            export(CodecEncode(codec), (audio,), out("codec_encode"), ["audio"], ["codes"],
                   {"audio": {0: "batch", 1: "samples"}, "codes": {0: "batch", 1: "frames"}}, a.opset)
            export(SpeakerEncoder(model.speaker_encoder.float()).to(dev), (audio,), out("speaker_encoder"), ["audio"], ["xvector"],
                   {"audio": {0: "batch", 1: "samples"}, "xvector": {0: "batch"}}, a.opset)

    def checkpoint_file(name):
        return os.path.join(a.checkpoint, name) if os.path.isdir(a.checkpoint) else _download(a.checkpoint, name)

    for name in ("vocab.json", "merges.txt"):
        shutil.copy(checkpoint_file(name), os.path.join(a.output, name))
    with open(checkpoint_file("generation_config.json"), encoding="utf-8") as f:
        gen = json.load(f)
    manifest = {
        "format": "voice-qwen3-onnx/1",
        "model": os.path.basename(a.checkpoint.rstrip("/")),
        "variant": config.tts_model_type,
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
        "tokenizer": {"vocab": "vocab.json", "merges": "merges.txt"},
        "generation": {
            "temperature": gen.get("temperature", 0.9), "top_k": gen.get("top_k", 50), "top_p": gen.get("top_p", 1.0),
            "repetition_penalty": gen.get("repetition_penalty", 1.05), "subtalker_temperature": gen.get("subtalker_temperature", 0.9),
            "subtalker_top_k": gen.get("subtalker_top_k", 50), "subtalker_top_p": gen.get("subtalker_top_p", 1.0),
            "max_new_tokens": gen.get("max_new_tokens", 2048), "min_new_tokens": 2,
        },
        "graphs": {name: describe(out(name)) for name in GRAPHS if os.path.exists(out(name))},
    }
    with open(os.path.join(a.output, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
    print(f"wrote {a.output}: " + ", ".join(sorted(manifest["graphs"])))


GRAPHS = ["text_embed", "codec_embed", "frame_embed", "code_predictor_embed", "talker", "code_predictor", "codec_decode",
          "codec_encode", "speaker_encoder"]
LANGUAGES = {"en": "english", "zh": "chinese", "ja": "japanese", "ko": "korean", "de": "german", "fr": "french",
             "ru": "russian", "pt": "portuguese", "es": "spanish", "it": "italian"}


def _download(checkpoint, name):
    from huggingface_hub import hf_hub_download
    return hf_hub_download(checkpoint, name)


if __name__ == "__main__":
    main()
