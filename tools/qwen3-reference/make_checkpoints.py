"""Random-weight Qwen3-TTS-12Hz checkpoints of the real architecture, built by the official classes.

    python3 make_checkpoints.py <qwen-bpe-dir> <out-dir> [--seed 20261206]

Writes <out>/voice_design, <out>/custom_voice and <out>/base in the published layout (config.json,
generation_config.json, model.safetensors, vocab.json, merges.txt, tokenizer_config.json,
preprocessor_config.json, speech_tokenizer/{config.json, configuration.json, preprocessor_config.json,
model.safetensors}), loadable by `Qwen3TTSModel.from_pretrained` exactly as a downloaded checkpoint.

Every structural feature of the published configs is kept (../../../shared research: the 1.7B/0.6B config.json
files): grouped-query attention with q/k norms, the interleaved multimodal rope sections, 16 codebooks, a code
predictor with its own tables and heads (with the 2048->1024 style projection on Base and VoiceDesign, the 0.6B
identity on CustomVoice), the text projection MLP, the ECAPA-TDNN speaker encoder, and the speech tokenizer's Mimi
encoder (32 quantizers, 16 kept) and sliding-window (72) decoder with the 8*5*4*3*2*2 = 1920 upsampling. Only the
widths, depths and vocabularies are small. Ids keep their published offsets: a codec id r >= 2048 becomes
r - 2048 + CODEBOOK, a text special id t >= 151643 becomes t - 151643 + BASE_TEXT_VOCAB.

The text tokenizer is Qwen2's real byte-level BPE cut to its first MERGES merges (its ids are 256 + merge rank, so
the cut vocabulary keeps the real ids of every token it has), plus the published special tokens.
"""
import argparse
import json
import os

import torch

import qwen3_compat

qwen3_compat.apply()

from qwen_tts.core.models.configuration_qwen3_tts import Qwen3TTSConfig  # noqa: E402
from qwen_tts.core.models.modeling_qwen3_tts import Qwen3TTSForConditionalGeneration  # noqa: E402
from qwen_tts.core.tokenizer_12hz.configuration_qwen3_tts_tokenizer_v2 import Qwen3TTSTokenizerV2Config  # noqa: E402
from qwen_tts.core.tokenizer_12hz.modeling_qwen3_tts_tokenizer_v2 import Qwen3TTSTokenizerV2Model  # noqa: E402

CODEBOOK = 64                 # published: 2048
MERGES = 1024                 # published: 151,387
BASE_TEXT_VOCAB = 256 + MERGES
TEXT_VOCAB = 1344             # published: 151,936 (rows past the specials are padding, as there)
FIRST_SPECIAL = 151643


def codec(real_id):
    return real_id - 2048 + CODEBOOK


def text(real_id):
    return real_id - FIRST_SPECIAL + BASE_TEXT_VOCAB


LANGUAGES = {"chinese": 2055, "english": 2050, "german": 2053, "italian": 2070, "portuguese": 2071, "spanish": 2054,
             "japanese": 2058, "korean": 2064, "french": 2061, "russian": 2069}
DIALECTS = {"beijing_dialect": 2074, "sichuan_dialect": 2062}
SPEAKERS = {"serena": 3066, "vivian": 3065, "uncle_fu": 3010, "ryan": 3061, "aiden": 2861, "ono_anna": 2873,
            "sohee": 2864, "eric": 2875, "dylan": 2878}
SPEAKER_DIALECTS = {"eric": "sichuan_dialect", "dylan": "beijing_dialect"}

# The published generation_config.json (every Qwen3-TTS-12Hz checkpoint has the same one).
GENERATION = {"do_sample": True, "repetition_penalty": 1.05, "temperature": 0.9, "top_p": 1.0, "top_k": 50,
              "subtalker_dosample": True, "subtalker_temperature": 0.9, "subtalker_top_p": 1.0, "subtalker_top_k": 50,
              "max_new_tokens": 8192}


def talker_config(kind, predictor_hidden):
    code_predictor = dict(hidden_size=predictor_hidden, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                          num_key_value_heads=2, head_dim=8, vocab_size=CODEBOOK, num_code_groups=16,
                          rope_theta=1000000, max_position_embeddings=65536, rms_norm_eps=1e-6,
                          layer_types=["full_attention"] * 2, use_sliding_window=False, sliding_window=None)
    custom = kind == "custom_voice"
    return dict(
        code_predictor_config=code_predictor,
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        head_dim=8, rope_theta=1000000, max_position_embeddings=32768, rms_norm_eps=1e-6,
        rope_scaling={"interleaved": True, "mrope_section": [2, 1, 1], "rope_type": "default", "type": "default"},
        use_sliding_window=False, sliding_window=None, num_code_groups=16, position_id_per_seconds=13,
        vocab_size=CODEBOOK + 1024, text_vocab_size=TEXT_VOCAB, text_hidden_size=24,
        codec_pad_id=codec(2148), codec_bos_id=codec(2149), codec_eos_token_id=codec(2150), codec_think_id=codec(2154),
        codec_nothink_id=codec(2155), codec_think_bos_id=codec(2156), codec_think_eos_id=codec(2157),
        codec_language_id={**{k: codec(v) for k, v in LANGUAGES.items()},
                           **({k: codec(v) for k, v in DIALECTS.items()} if custom else {})},
        spk_id={k: codec(v) for k, v in SPEAKERS.items()} if custom else {},
        spk_is_dialect={k: SPEAKER_DIALECTS.get(k, False) for k in SPEAKERS} if custom else {},
    )


def model_config(kind):
    predictor_hidden = 32 if kind == "custom_voice" else 24  # identity projection (0.6B) vs a Linear (1.7B)
    config = dict(talker_config=talker_config(kind, predictor_hidden), tokenizer_type="qwen3_tts_tokenizer_12hz",
                  tts_model_size="1b7", tts_model_type=kind, assistant_token_id=77091,  # unused by the official code; kept as published
                  im_start_token_id=text(151644), im_end_token_id=text(151645), tts_pad_token_id=text(151671),
                  tts_bos_token_id=text(151672), tts_eos_token_id=text(151673))
    if kind == "base":
        config["speaker_encoder_config"] = dict(enc_dim=32, sample_rate=24000, mel_dim=128, enc_channels=[16, 16, 16, 16, 48],
                                                enc_kernel_sizes=[5, 3, 3, 3, 1], enc_dilations=[1, 2, 3, 4, 1],
                                                enc_attention_channels=8, enc_res2net_scale=8, enc_se_channels=8)
    return config


def speech_tokenizer_config():
    decoder = dict(attention_bias=False, attention_dropout=0.0, latent_dim=32, codebook_dim=32, codebook_size=CODEBOOK,
                   decoder_dim=48, hidden_act="silu", hidden_size=32, intermediate_size=64, layer_scale_initial_scale=0.01,
                   max_position_embeddings=8000, head_dim=8, num_attention_heads=4, num_hidden_layers=2,
                   num_key_value_heads=4, num_quantizers=16, num_semantic_quantizers=1, rms_norm_eps=1e-5,
                   rope_theta=10000, semantic_codebook_size=128, sliding_window=72, upsample_rates=[8, 5, 4, 3],
                   upsampling_ratios=[2, 2], vector_quantization_hidden_dimension=32)
    encoder = dict(_frame_rate=12.5, attention_bias=False, attention_dropout=0.0, audio_channels=1, codebook_dim=32,
                   codebook_size=CODEBOOK, compress=2, dilation_growth_rate=2, hidden_act="gelu", hidden_size=32,
                   head_dim=8, initializer_range=0.02, intermediate_size=64, kernel_size=7, last_kernel_size=3,
                   layer_scale_initial_scale=0.01, max_position_embeddings=8000, norm_eps=1e-5, normalize=False,
                   num_attention_heads=4, num_filters=4, num_hidden_layers=2, num_key_value_heads=4, num_quantizers=32,
                   num_residual_layers=1, num_semantic_quantizers=1, pad_mode="constant", residual_kernel_size=3,
                   rope_theta=10000.0, sampling_rate=24000, sliding_window=250, trim_right_ratio=1.0,
                   upsample_groups=32, upsampling_ratios=[8, 6, 5, 4], use_cache=False, use_causal_conv=True,
                   use_conv_shortcut=False, use_streaming=False, vector_quantization_hidden_dimension=32)
    return dict(encoder_config=encoder, decoder_config=decoder, encoder_valid_num_quantizers=16, input_sample_rate=24000,
                output_sample_rate=24000, decode_upsample_rate=1920, encode_downsample_rate=1920)


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")


def write_tokenizer(bpe_dir, out):
    """Qwen2's BPE cut to its first MERGES merges, with the published tokenizer_config.json's specials moved down."""
    with open(os.path.join(bpe_dir, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(bpe_dir, "merges.txt"), encoding="utf-8") as f:
        merges = [line.rstrip("\n") for line in f if not line.startswith("#version")]
    kept = {token: i for token, i in vocab.items() if i < BASE_TEXT_VOCAB}
    for rank, merge in enumerate(merges[:MERGES]):  # the cut is consistent: each merge's product is id 256 + rank
        assert kept.get(merge.replace(" ", "")) == 256 + rank, merge
    write_json(os.path.join(out, "vocab.json"), kept)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges[:MERGES]) + "\n")
    with open(os.path.join(bpe_dir, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    config["added_tokens_decoder"] = {str(text(int(k))): v for k, v in config["added_tokens_decoder"].items()}
    config["model_max_length"] = 32768
    write_json(os.path.join(out, "tokenizer_config.json"), config)
    write_json(os.path.join(out, "preprocessor_config.json"), {"padding_side": "left", "padding_value": 0.0,
                                                               "processor_class": "Qwen3TTSProcessor",
                                                               "return_attention_mask": True})


def fill_codebooks(model):
    """Codebooks start as zero sums (a trained model's come from k-means): give them random centroids and usage
    counts, or every frame quantises to code 0 and decodes to silence."""
    with torch.no_grad():
        for module in model.modules():
            total = getattr(module, "embedding_sum", None)
            if total is None:
                total = getattr(module, "embed_sum", None)
            if total is not None:
                usage = module.cluster_usage
                usage.copy_(torch.rand(usage.shape) * 1.5 + 0.5)
                total.copy_(torch.randn(total.shape) * usage[:, None])


def audible_decoder(model):
    """With the 0.02-normal initialisation the decoder's eleven convolution stages shrink the signal to ~1e-8. Give its
    convolutions PyTorch's own (fan-in scaled) initialisation, then scale the last one so that random codes decode
    to an RMS of 0.1: a waveform that depends on the codes, still in [-1, 1]."""
    decoder = model.decoder
    with torch.no_grad():
        for module in decoder.modules():
            if isinstance(module, (torch.nn.Conv1d, torch.nn.ConvTranspose1d)):
                module.reset_parameters()
                if module.bias is not None:
                    module.bias.zero_()  # or the output is a code-independent pattern from the biases
        size = decoder.config.codebook_size
        rms = decoder(torch.randint(0, size, (1, 16, 50))).pow(2).mean().sqrt()
        last = decoder.decoder[-1].conv
        last.weight.mul_(0.1 / rms)


def write_speech_tokenizer(out, seed):
    torch.manual_seed(seed)
    config = Qwen3TTSTokenizerV2Config(**speech_tokenizer_config())
    model = Qwen3TTSTokenizerV2Model(config).eval()
    fill_codebooks(model)
    audible_decoder(model)
    directory = os.path.join(out, "speech_tokenizer")
    model.save_pretrained(directory)
    write_json(os.path.join(directory, "config.json"), {"architectures": ["Qwen3TTSTokenizerV2Model"],
                                                       "model_type": "qwen3_tts_tokenizer_12hz", **speech_tokenizer_config()})
    write_json(os.path.join(directory, "configuration.json"), {"framework": "pytorch", "task": "feature-extraction", "allow_remote": True})
    write_json(os.path.join(directory, "preprocessor_config.json"), {
        "chunk_length_s": None, "feature_extractor_type": "EncodecFeatureExtractor", "feature_size": 1, "overlap": None,
        "padding_side": "right", "padding_value": 0.0, "return_attention_mask": True, "sampling_rate": 24000})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bpe", help="a directory with Qwen2's vocab.json, merges.txt and Qwen3-TTS's tokenizer_config.json")
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=20261206)
    a = parser.parse_args()
    for offset, kind in enumerate(("voice_design", "custom_voice", "base")):
        out = os.path.join(a.out, kind)
        os.makedirs(out, exist_ok=True)
        torch.manual_seed(a.seed + offset)
        config = Qwen3TTSConfig(**model_config(kind))
        model = Qwen3TTSForConditionalGeneration(config).eval()
        model.save_pretrained(out)
        # config.json as published (transformers 5 would serialise every default of every sub-config).
        write_json(os.path.join(out, "config.json"), {"architectures": ["Qwen3TTSForConditionalGeneration"],
                                                     "model_type": "qwen3_tts", **model_config(kind)})
        write_json(os.path.join(out, "generation_config.json"), GENERATION)
        write_tokenizer(a.bpe, out)
        write_speech_tokenizer(out, a.seed + 100)  # the same codec in every checkpoint, as published
        print(f"{kind}: {sum(p.numel() for p in model.parameters()):,} parameters -> {out}")


if __name__ == "__main__":
    main()
