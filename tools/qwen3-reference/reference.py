"""Runs the official qwen_tts code greedily on the case set and records what the C# engine must reproduce.

    python3 reference.py --cases cases.json --out <dir> <checkpoint-dir> [<checkpoint-dir> ...]

Each checkpoint serves the cases of its kind (config.json's tts_model_type). Per case it records the official ids
(target, instruction, reference text), the talker's prompt embeddings and trailing text (float32 files), every
frame's 16 codes, the codebook-0 tokens including the end-of-speech token (the stop frame), the smallest top-1/top-2
gap of the talker's processed scores (how close greedy came to a tie), the decoded waveform, and for clones the
reference's codes and speaker embedding. For each checkpoint's speech tokenizer it records the codes of the fixed
references and the waveform of fixed codes. Everything goes through the public API (Qwen3TTSModel.generate_*),
with do_sample=False and subtalker_dosample=False; the only instrumentation is wrappers that copy arguments and
results on their way through.
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import torch

import qwen3_compat

qwen3_compat.apply()

from qwen_tts import Qwen3TTSModel  # noqa: E402

LANGUAGE_NAMES = {"auto": "Auto"}


def reference_audio(spec):
    """A deterministic, speech-like reference: a gliding harmonic tone under a syllable envelope, with noise."""
    rng = np.random.default_rng(spec["seed"])
    n = int(spec["seconds"] * 24000) + spec["extra_samples"]
    t = np.arange(n) / 24000
    f0 = spec["f0"] * (1 + 0.15 * np.sin(2 * np.pi * 0.7 * t))
    phase = 2 * np.pi * np.cumsum(f0) / 24000
    voice = sum(np.sin(k * phase) / k for k in range(1, 9))
    envelope = 0.5 * (1 - np.cos(2 * np.pi * 4 * t)) * np.minimum(1, t * 8) * np.minimum(1, (t[-1] - t) * 8)
    audio = 0.25 * voice * envelope + 0.01 * rng.standard_normal(n)
    return audio.astype(np.float32)


class Recorder:
    """Copies what passes through Qwen3TTSForConditionalGeneration.generate and its talker's generate."""

    def __init__(self, wrapper):
        self.model = wrapper.model
        self.calls = []
        model_generate, talker_generate = self.model.generate, self.model.talker.generate

        def record_model(**kwargs):
            call = {"kwargs": kwargs}
            self.calls.append(call)
            codes, hiddens = model_generate(**kwargs)
            call["codes"] = codes
            return codes, hiddens

        def record_talker(**kwargs):
            kwargs["output_scores"] = True  # processed scores, for the tie margin; changes nothing else
            result = talker_generate(**kwargs)
            self.calls[-1].update(embeds=kwargs["inputs_embeds"], mask=kwargs["attention_mask"],
                                  trailing=kwargs["trailing_text_hidden"], sequences=result.sequences, scores=result.scores)
            return result

        self.model.generate = record_model
        self.model.talker.generate = record_talker


class Writer:
    def __init__(self, out):
        self.out = out
        os.makedirs(os.path.join(out, "data"), exist_ok=True)

    def floats(self, name, array, dtype="<f4"):
        """float32 (.f32), or float16 (.f16: waveforms, 71 dB of precision, half the size), little-endian."""
        array = np.ascontiguousarray(np.asarray(array, dtype=np.float32).astype(dtype))
        path = os.path.join("data", name + (".f32" if dtype == "<f4" else ".f16"))
        array.tofile(os.path.join(self.out, path))
        return {"file": path, "shape": list(array.shape), "sha256": hashlib.sha256(array.tobytes()).hexdigest()}


def ids(tensor):
    return None if tensor is None else [int(i) for i in tensor.reshape(-1).tolist()]


def margin(scores, row, steps):
    """The smallest gap between the best and second-best processed score over the steps greedy decoding took."""
    gaps = []
    for step in scores[:steps]:
        top = torch.topk(step[row].float(), 2).values
        if torch.isfinite(top[1]):
            gaps.append(float(top[0] - top[1]))
    return min(gaps) if gaps else None


def record_row(writer, name, call, row, wav, eos):
    sequences = call["sequences"][row].tolist()
    stop = sequences.index(eos) if eos in sequences else None
    codes = call["codes"][row]
    length = int(call["mask"][row].sum())
    hidden = call["embeds"].shape[-1]
    result = {
        "frames": int(codes.shape[0]),
        "stop_frame": stop,
        "codebook0": [int(c) for c in sequences],
        "codes": codes.tolist(),
        "min_greedy_margin": margin(call["scores"], row, len(sequences)),
        "prompt": writer.floats(f"{name}.prompt", call["embeds"][row, -length:].reshape(length, hidden)),
        "trailing": writer.floats(f"{name}.trailing", call["trailing"][row]),
        "wave": writer.floats(f"{name}.wave", wav, "<f2"),
    }
    return result


def run_case(wrapper, recorder, writer, case, references, max_new_tokens):
    greedy = dict(do_sample=False, subtalker_dosample=False, max_new_tokens=max_new_tokens)
    language = LANGUAGE_NAMES.get(case["language"], case["language"].capitalize())
    mode = {k: case[k] for k in ("non_streaming_mode",) if case.get(k) is not None}
    kind = wrapper.model.tts_model_type
    recorder.calls.clear()
    if kind == "voice_design":
        wavs, _ = wrapper.generate_voice_design(case["text"], case["instruct"], language=language, **mode, **greedy)
    elif kind == "custom_voice":
        wavs, _ = wrapper.generate_custom_voice(case["text"], case["speaker"], language=language, instruct=case.get("instruct"), **mode, **greedy)
    else:
        audio = references[case["ref_audio"]]
        wavs, _ = wrapper.generate_voice_clone(case["text"], language=language, ref_audio=(audio, 24000), ref_text=case.get("ref_text"),
                                               x_vector_only_mode=case.get("x_vector_only_mode", False), **mode, **greedy)
    call = recorder.calls[-1]
    kwargs = call["kwargs"]
    eos = wrapper.model.config.talker_config.codec_eos_token_id
    rows = []
    for row, wav in enumerate(wavs):
        name = case["name"] if len(wavs) == 1 else f"{case['name']}.{row}"
        result = record_row(writer, name, call, row, wav, eos)
        result["input_ids"] = ids(kwargs["input_ids"][row])
        instruct = (kwargs.get("instruct_ids") or [None] * len(wavs))[row]
        result["instruct_ids"] = ids(instruct)
        ref = (kwargs.get("ref_ids") or [None] * len(wavs))[row]
        result["ref_ids"] = ids(ref)
        prompt = kwargs.get("voice_clone_prompt")
        if prompt is not None:
            code = prompt["ref_code"][row]
            result["ref_codes"] = None if code is None else code.tolist()
            result["xvector"] = writer.floats(f"{name}.xvector", prompt["ref_spk_embedding"][row])
        rows.append(result)
    return rows


def codec_reference(wrapper, writer, references, seed):
    tokenizer = wrapper.model.speech_tokenizer
    encoded = {}
    for name, audio in references.items():
        codes = tokenizer.encode(audio, sr=24000).audio_codes[0]
        encoded[name] = codes.tolist()
    size = tokenizer.model.config.decoder_config.codebook_size
    codes = torch.randint(0, size, (40, 16), generator=torch.Generator().manual_seed(seed))
    wavs, _ = tokenizer.decode([{"audio_codes": codes}])
    return {"encode": encoded, "decode": {"codes": codes.tolist(), "wave": writer.floats("codec.decode.wave", wavs[0], "<f2")}}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoints", nargs="+")
    parser.add_argument("--cases", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--max-new-tokens", type=int)
    parser.add_argument("--device", default="cpu")
    a = parser.parse_args()
    with open(a.cases, encoding="utf-8") as f:
        cases = json.load(f)
    torch.manual_seed(0)
    writer = Writer(a.out)
    references = {name: reference_audio(spec) for name, spec in cases["references"].items()}
    report = {"cases": [], "references": {n: writer.floats(f"reference.{n}", x) for n, x in references.items()}, "models": {}}
    max_new_tokens = a.max_new_tokens or cases["max_new_tokens"]
    report["max_new_tokens"] = max_new_tokens
    for checkpoint in a.checkpoints:
        wrapper = Qwen3TTSModel.from_pretrained(checkpoint, device_map=a.device, dtype=torch.float32, attn_implementation="eager")
        kind = wrapper.model.tts_model_type
        recorder = Recorder(wrapper)
        report["models"][kind] = {"checkpoint": os.path.basename(os.path.normpath(checkpoint)),
                                  "codec": codec_reference(wrapper, writer, references, seed=7)}
        for case in cases["cases"]:
            if case["model"] == kind:
                rows = run_case(wrapper, recorder, writer, case, references, max_new_tokens)
                report["cases"].append({**case, **rows[0]})
                print(f"{case['name']}: {rows[0]['frames']} frames, stop {rows[0]['stop_frame']}, margin {rows[0]['min_greedy_margin']:.2e}", file=sys.stderr)
        for batch in cases.get("batches", []):
            if batch["model"] == kind:
                rows = run_case(wrapper, recorder, writer, {**batch, "text": batch["texts"]}, references, max_new_tokens)
                report["cases"].append({**batch, "rows": rows})
                print(f"{batch['name']}: " + ", ".join(f"{r['frames']} frames" for r in rows), file=sys.stderr)
    with open(os.path.join(a.out, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
