"""Checks that qwen3_compat.py reproduces transformers 4.57.3's behaviour for each function it changes.

    python3 test_compat.py <checkpoint-dir>      # a checkpoint made by make_checkpoints.py (run.sh runs this first)

Each check states the 4.57.3 behaviour it expects and fails loudly; run.sh stops before making references if one fails.
"""
import sys

import torch

import qwen3_compat

qwen3_compat.apply()

from safetensors.torch import load_file  # noqa: E402
from transformers import masking_utils  # noqa: E402

from qwen_tts import Qwen3TTSModel  # noqa: E402
from qwen_tts.core.models import modeling_qwen3_tts as official  # noqa: E402

CHECKS = []


def check(function):
    CHECKS.append(function)
    return function


@check
def rope_default_is_the_457_formula(_):
    """inv_freq[i] = theta^(-2i/head_dim) over the explicit head_dim (0.6B's head_dim 128 is not hidden/heads 64)."""
    config = official.Qwen3TTSTalkerConfig(hidden_size=1024, num_attention_heads=16, head_dim=128, rope_theta=1000000,
                                           rope_scaling={"rope_type": "default", "mrope_section": [24, 20, 20], "interleaved": True})
    inv_freq, scaling = qwen3_compat.default_rope_parameters(config)
    expected = torch.tensor([1000000 ** (-2 * i / 128) for i in range(64)], dtype=torch.float32)
    assert scaling == 1.0 and inv_freq.shape == (64,) and torch.allclose(inv_freq, expected, rtol=1e-6), inv_freq[:4]


@check
def masks_take_the_457_keywords_and_equal_causal_and_padding(_):
    """create_causal_mask(config, input_embeds=, attention_mask=, cache_position=, past_key_values=) as 4.57 called it
    gives the hand-built mask: a key is visible if it is not padding and not after the query; sliding windows too."""
    config = official.Qwen3TTSTalkerConfig(hidden_size=32, num_attention_heads=4, head_dim=8)
    config._attn_implementation = "eager"
    embeds = torch.zeros(2, 5, 32)
    padding = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
    for builder, window in ((masking_utils.create_causal_mask, None), (masking_utils.create_sliding_window_causal_mask, 3)):
        config.sliding_window = window
        mask = builder(config=config, input_embeds=embeds, attention_mask=padding, cache_position=torch.arange(5),
                       past_key_values=None, position_ids=None)
        visible = mask == 0 if mask.dtype != torch.bool else mask
        q, k = torch.arange(5)[:, None], torch.arange(5)[None]
        expected = (k <= q) & padding[:, None, None, :].bool()
        if window:
            expected = expected & (q - k < window)
        rows = padding.bool()[:, None, :, None]  # a padding query's row is anything (it is never read)
        assert torch.equal(visible & rows, expected & rows), (builder.__name__, visible.int())


@check
def check_model_inputs_works_as_a_factory(_):
    from transformers.utils.generic import check_model_inputs

    class Probe(torch.nn.Module):
        config = official.Qwen3TTSTalkerConfig()

        @check_model_inputs()
        def forward(self, x, **kwargs):
            return x + 1

    assert Probe()(torch.zeros(1)).item() == 1


@check
def configs_default_pad_token_id_to_none(_):
    assert official.Qwen3TTSTalkerCodePredictorConfig().pad_token_id is None


@check
def loading_keeps_every_weight_of_the_checkpoint(directory):
    """4.57 loaded the file's tensors; 5.x re-drew them with the official in-place _init_weights unless told not to."""
    model = Qwen3TTSModel.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager").model
    for state, path in ((model.state_dict(), "model.safetensors"),
                        (model.speech_tokenizer.model.state_dict(), "speech_tokenizer/model.safetensors")):
        saved = load_file(f"{directory}/{path}")
        changed = [name for name, tensor in saved.items() if not torch.equal(tensor, state[name])]
        assert not changed, f"{path}: {len(changed)} tensors differ from the file after loading, e.g. {changed[:3]}"


@check
def rotary_buffers_hold_the_constructors_values_after_loading(directory):
    model = Qwen3TTSModel.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager").model
    rotaries = qwen3_compat.official_rotaries(model) + qwen3_compat.official_rotaries(model.speech_tokenizer.model)
    assert len(rotaries) == 3, rotaries  # talker, code predictor, codec decoder
    for module in rotaries:
        expected, _ = qwen3_compat.default_rope_parameters(module.config)
        assert torch.allclose(module.inv_freq, expected), (type(module).__name__, module.inv_freq[:4])


@check
def cached_generation_equals_a_full_forward(directory):
    """generate()'s incremental, cached talker steps (with the cache_position 4.57 passed) give the hidden states of
    one full forward over the same inputs without a cache: the positions and masks of the decode steps are right."""
    wrapper = Qwen3TTSModel.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager")
    talker = wrapper.model.talker
    captured = {}
    generate = talker.generate

    def record(**kwargs):
        kwargs["output_hidden_states"] = True
        result = generate(**kwargs)
        captured.update(kwargs=kwargs, result=result)
        return result

    talker.generate = record
    wrapper.generate_voice_design(["A short row.", "A longer row, which needs the other one padded."], "A calm voice.",
                                  language="English", do_sample=False, subtalker_dosample=False, max_new_tokens=6)
    kwargs, result = captured["kwargs"], captured["result"]
    prompt, mask = kwargs["inputs_embeds"], kwargs["attention_mask"]
    steps = [h for h in result.hidden_states[1:]]  # (layer hidden states, codec ids) per decode step
    frames = torch.stack([codes for _, codes in steps], dim=1)  # [B, steps, 16]
    embeds = [prompt]
    for i in range(frames.shape[1]):
        codes = frames[:, i]
        frame = talker.get_input_embeddings()(codes[:, :1]) + sum(
            talker.code_predictor.get_input_embeddings()[j](codes[:, j + 1:j + 2]) for j in range(15))
        trailing = kwargs["trailing_text_hidden"]
        frame = frame + (trailing[:, i:i + 1] if i < trailing.shape[1] else kwargs["tts_pad_embed"])
        embeds.append(frame)
    full = torch.cat(embeds, dim=1)
    full_mask = torch.cat([mask, torch.ones(mask.shape[0], frames.shape[1], dtype=mask.dtype)], dim=1)
    positions = (full_mask.cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():
        out = talker.model(inputs_embeds=full, attention_mask=full_mask, position_ids=positions, use_cache=False)
    incremental = torch.cat([h[0][-1][:, -1:] for h in result.hidden_states], dim=1)  # last layer, last position per step
    reference = out.last_hidden_state[:, prompt.shape[1] - 1:prompt.shape[1] - 1 + incremental.shape[1]]
    worst = (incremental - reference).abs().max().item() / reference.abs().max().item()
    assert worst < 1e-4, worst


@check
def repetition_penalty_sees_only_generated_tokens(directory):
    """With inputs_embeds and no input_ids, 4.57's generate() starts input_ids empty, so the penalty applies to
    generated codebook-0 tokens only; 5.x must hand the processors the same ids."""
    wrapper = Qwen3TTSModel.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager")
    seen = []

    class Spy:
        def __call__(self, input_ids, scores):
            seen.append(input_ids.shape[1])
            return scores

    from transformers import LogitsProcessorList
    talker = wrapper.model.talker
    generate = talker.generate
    talker.generate = lambda **kwargs: generate(logits_processor=LogitsProcessorList([Spy()]), **kwargs)
    wrapper.generate_voice_design("Penalty.", "A voice.", language="English", do_sample=False, subtalker_dosample=False, max_new_tokens=5)
    assert seen[:5] == [0, 1, 2, 3, 4], seen


def main():
    directory = sys.argv[1]
    failed = 0
    for function in CHECKS:
        try:
            function(directory)
            print(f"ok    {function.__name__}")
        except Exception as error:  # every check runs; the exit status says whether all held
            failed += 1
            print(f"FAIL  {function.__name__}: {error!r}")
    print(f"{len(CHECKS) - failed} of {len(CHECKS)} compatibility checks hold")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
