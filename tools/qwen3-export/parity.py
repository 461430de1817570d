#!/usr/bin/env python3
"""PyTorch against ONNX for an exported model directory (run beside export.py, same machine):

    python parity.py Qwen/Qwen3-TTS-12Hz-1.7B-VoiceDesign out/voicedesign-1.7b [--frames 60]

1. Each graph on fixed inputs: the largest absolute difference and the cosine similarity of every output.
2. Greedy generation on a fixed prompt, the same loop over the PyTorch wrappers and over the ONNX sessions:
   how many codes (of frames × 16) agree, and at which frame they first differ.
3. The codec decoder: SNR of the ONNX waveform against PyTorch's for the generated codes.
Prints one JSON object; exit status 1 when token agreement is below --min-agreement (default 0.99) or SNR below --min-snr dB.
"""
import argparse
import json
import math
import sys

import numpy as np
import onnxruntime as ort
import torch

import export as ex


def run(session, feeds):
    return session.run(None, {k: (v.detach().cpu().numpy() if torch.is_tensor(v) else v) for k, v in feeds.items()})


def compare(a, b):
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
    return {"max_abs": float(np.max(np.abs(a - b))), "cosine": cosine}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("checkpoint")
    p.add_argument("directory")
    p.add_argument("--frames", type=int, default=60)
    p.add_argument("--min-agreement", type=float, default=0.99)
    p.add_argument("--min-snr", type=float, default=30.0)
    a = p.parse_args()
    manifest = json.load(open(f"{a.directory}/manifest.json", encoding="utf-8"))
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if torch.cuda.is_available() else ["CPUExecutionProvider"]
    sessions = {name: ort.InferenceSession(f"{a.directory}/{g['file']}", providers=providers) for name, g in manifest["graphs"].items()}

    from qwen_tts import Qwen3TTSModel
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = Qwen3TTSModel.from_pretrained(a.checkpoint, device_map=device, dtype=torch.float32).model.eval()
    talker = model.talker
    torch_graphs = {"text_embed": ex.TextEmbed(talker), "codec_embed": ex.CodecEmbed(talker), "frame_embed": ex.FrameEmbed(talker),
                    "code_predictor_embed": ex.CodePredictorEmbed(talker), "talker": ex.Talker(talker), "code_predictor": ex.CodePredictor(talker),
                    "codec_decode": ex.CodecDecode(model.speech_tokenizer.model)}
    report = {"graphs": {}}
    dev = torch.device(device)
    S = manifest["special_tokens"]
    H, Q = manifest["hidden_size"], manifest["codebooks"]

    def dtype_of(graph, name):
        return np.float16 if manifest["graphs"][graph]["inputs"][name]["dtype"] == "float16" else np.float32

    with torch.inference_mode():
        ids = torch.tensor([[S["im_start"], 77091, 198, 9707, 11, 1879]], device=dev)
        report["graphs"]["text_embed"] = compare(run(sessions["text_embed"], {"input_ids": ids})[0], torch_graphs["text_embed"](ids).float().cpu())
        codec_ids = torch.tensor([[S["codec_think"], S["codec_pad"], S["codec_bos"], 5, 17]], device=dev)
        report["graphs"]["codec_embed"] = compare(run(sessions["codec_embed"], {"codec_ids": codec_ids})[0], torch_graphs["codec_embed"](codec_ids).float().cpu())

        # Greedy loop, twice: PyTorch wrappers and ONNX sessions, from the same simple prompt (role + think prefix + text).
        def prompt():
            role = torch_graphs["text_embed"](ids[:, :3])
            text = torch_graphs["text_embed"](ids[:, 3:])
            pad = torch_graphs["codec_embed"](torch.tensor([[S["codec_pad"]]], device=dev))
            bos = torch_graphs["codec_embed"](torch.tensor([[S["codec_bos"]]], device=dev))
            tts = {k: torch_graphs["text_embed"](torch.tensor([[S[k]]], device=dev)) for k in ("tts_pad", "tts_bos", "tts_eos")}
            prefix = torch_graphs["codec_embed"](torch.tensor([[S["codec_nothink"], S["codec_think_bos"], S["codec_think_eos"]]], device=dev))
            rows = [role, prefix + tts["tts_pad"], pad + tts["tts_bos"], text + pad, tts["tts_eos"] + pad, tts["tts_pad"] + bos]
            return torch.cat(rows, dim=1).float(), tts["tts_pad"].float()

        def loop(step_talker, step_predictor, embed_frame, embed_codec, embed_cp):
            embeds, tts_pad = prompt()
            state = step_talker(embeds, None)
            frames = []
            for _ in range(a.frames):
                logits, hidden, state = state
                logits = logits.copy()
                logits[manifest["codebook_size"]:] = -np.inf
                logits[S["codec_eos"]] = -np.inf if len(frames) < 2 else logits[S["codec_eos"]]
                c0 = int(np.argmax(logits))
                if c0 == S["codec_eos"]:
                    break
                codes = [c0]
                x, cstate = np.concatenate([hidden[None, None, :], embed_codec(c0)], axis=1), None
                for step in range(Q - 1):
                    cl, cstate = step_predictor(x, step, cstate)
                    codes.append(int(np.argmax(cl)))
                    x = embed_cp(codes[-1], step)
                frames.append(codes)
                nxt = embed_frame(codes) + tts_pad.cpu().numpy()
                state = step_talker(torch.from_numpy(nxt), state)
            return np.array(frames, dtype=np.int64)

        def onnx_talker(embeds, state):
            past = state[2] if state else [np.zeros((1, manifest["talker"]["kv_heads"], 0, manifest["talker"]["head_dim"]), dtype_of("talker", "past_key_values.0.key"))
                                           for _ in range(2 * manifest["talker"]["layers"])]
            length = past[0].shape[2]
            e = embeds.cpu().numpy().astype(dtype_of("talker", "inputs_embeds"))
            feeds = {"inputs_embeds": e, "attention_mask": np.ones((1, length + e.shape[1]), np.int64),
                     "position_ids": np.arange(length, length + e.shape[1], dtype=np.int64)[None]}
            feeds.update({f"past_key_values.{i // 2}.{'key' if i % 2 == 0 else 'value'}": v for i, v in enumerate(past)})
            out = sessions["talker"].run(None, feeds)
            return out[0][0].astype(np.float32), out[1][0].astype(np.float32), out[2:]

        def onnx_predictor(x, step, state):
            past = state or [np.zeros((1, manifest["code_predictor"]["kv_heads"], 0, manifest["code_predictor"]["head_dim"]),
                                      dtype_of("code_predictor", "past_key_values.0.key")) for _ in range(2 * manifest["code_predictor"]["layers"])]
            feeds = {"inputs_embeds": np.asarray(x).astype(dtype_of("code_predictor", "inputs_embeds")), "generation_step": np.array(step, np.int64)}
            feeds.update({f"past_key_values.{i // 2}.{'key' if i % 2 == 0 else 'value'}": v for i, v in enumerate(past)})
            out = sessions["code_predictor"].run(None, feeds)
            return out[0][0].astype(np.float32), out[1:]

        def torch_talker(embeds, state):
            past = state[2] if state else [torch.zeros(1, manifest["talker"]["kv_heads"], 0, manifest["talker"]["head_dim"], device=dev)
                                           for _ in range(2 * manifest["talker"]["layers"])]
            length = past[0].shape[2]
            e = embeds.to(dev).float()
            out = torch_graphs["talker"](e, torch.ones(1, length + e.shape[1], dtype=torch.long, device=dev),
                                         torch.arange(length, length + e.shape[1], device=dev)[None], *past)
            return out[0][0].cpu().numpy(), out[1][0].cpu().numpy(), list(out[2:])

        def torch_predictor(x, step, state):
            past = state or [torch.zeros(1, manifest["code_predictor"]["kv_heads"], 0, manifest["code_predictor"]["head_dim"], device=dev)
                             for _ in range(2 * manifest["code_predictor"]["layers"])]
            out = torch_graphs["code_predictor"](torch.as_tensor(np.asarray(x), device=dev).float(), torch.tensor(step, device=dev), *past)
            return out[0][0].cpu().numpy(), list(out[1:])

        t_codes = loop(torch_talker, torch_predictor,
                       lambda c: torch_graphs["frame_embed"](torch.tensor([[c]], device=dev)).cpu().numpy(),
                       lambda c: torch_graphs["codec_embed"](torch.tensor([[c]], device=dev)).cpu().numpy(),
                       lambda c, s: torch_graphs["code_predictor_embed"](torch.tensor([[c]], device=dev), torch.tensor(s, device=dev)).cpu().numpy())
        o_codes = loop(onnx_talker, onnx_predictor,
                       lambda c: run(sessions["frame_embed"], {"codes": np.array([[c]], np.int64)})[0].astype(np.float32),
                       lambda c: run(sessions["codec_embed"], {"codec_ids": np.array([[c]], np.int64)})[0].astype(np.float32),
                       lambda c, s: run(sessions["code_predictor_embed"], {"codes": np.array([[c]], np.int64), "step": np.array(s, np.int64)})[0].astype(np.float32))
        n = min(len(t_codes), len(o_codes))
        agree = float((t_codes[:n] == o_codes[:n]).mean()) if n else 0.0
        first = next((i for i in range(n) if not (t_codes[i] == o_codes[i]).all()), None)
        report["greedy"] = {"frames_torch": len(t_codes), "frames_onnx": len(o_codes), "agreement": agree, "first_difference": first}

        wav_t = torch_graphs["codec_decode"](torch.as_tensor(t_codes[None], device=dev)).float().cpu().numpy().ravel()
        wav_o = run(sessions["codec_decode"], {"codes": t_codes[None]})[0].ravel()
        noise = np.sum((wav_t - wav_o) ** 2) + 1e-20
        report["codec_snr_db"] = 10 * math.log10(np.sum(wav_t ** 2) / noise)

    print(json.dumps(report, indent=2))
    sys.exit(0 if agree >= a.min_agreement and report["codec_snr_db"] >= a.min_snr else 1)


if __name__ == "__main__":
    main()
