"""Runs the official qwen_tts code (QwenLM/Qwen3-TTS 022e286, written for transformers 4.57.3) on transformers 5.x.

Every change is here, applied once by `apply()` before `qwen_tts` is imported (sitecustomize.py does it for the
tool's processes); the official files stay untouched. On transformers 4.x nothing is changed. Each change names
what 5.x did differently; test_compat.py checks each one against 4.57.3's behaviour.
"""
import functools
import os
import sys
import types

import torch
import transformers

APPLIED = []  # names of the changes made, for the provenance file


def _major():
    return int(transformers.__version__.split(".")[0])


def default_rope_parameters(config, device=None, seq_len=None, **_):
    """4.57.3's `_compute_default_rope_parameters`: 5.x dropped the "default" entry of ROPE_INIT_FUNCTIONS."""
    base = config.rope_theta
    partial = getattr(config, "partial_rotary_factor", 1.0)
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    dim = int(head_dim * partial)
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).to(device=device, dtype=torch.float) / dim))
    return inv_freq, 1.0


def _stand_ins():
    # Only the unused 25 Hz tokenizer imports pysox and onnxruntime; empty modules let `import qwen_tts` succeed.
    for name in ("sox", "onnxruntime"):
        try:
            __import__(name)
        except ImportError:
            sys.modules[name] = types.ModuleType(name)
            APPLIED.append(f"stand-in module {name} (imported only by the 25 Hz tokenizer)")


def _check_model_inputs():
    # 4.57 `check_model_inputs` was a decorator factory (`@check_model_inputs()`); 5.x makes it the decorator itself.
    from transformers.utils import generic
    original = generic.check_model_inputs

    @functools.wraps(original)
    def check_model_inputs(func=None, **_):
        return original if func is None else original(func)

    generic.check_model_inputs = check_model_inputs
    APPLIED.append("check_model_inputs() callable with no function, as 4.57's decorator factory")


def _mask_functions():
    # 5.x renamed the mask builders' `input_embeds` to `inputs_embeds` and removed `cache_position`.
    from transformers import masking_utils

    def adapt(original):
        @functools.wraps(original)
        def mask(*args, **kwargs):
            if "input_embeds" in kwargs:
                kwargs["inputs_embeds"] = kwargs.pop("input_embeds")
            kwargs.pop("cache_position", None)
            return original(*args, **kwargs)
        return mask

    for name in ("create_causal_mask", "create_sliding_window_causal_mask"):
        setattr(masking_utils, name, adapt(getattr(masking_utils, name)))
    APPLIED.append("create_causal_mask / create_sliding_window_causal_mask take input_embeds and cache_position")


def _rope():
    from transformers import modeling_rope_utils
    if "default" not in modeling_rope_utils.ROPE_INIT_FUNCTIONS:
        modeling_rope_utils.ROPE_INIT_FUNCTIONS["default"] = default_rope_parameters
        APPLIED.append('ROPE_INIT_FUNCTIONS["default"] restored (4.57.3 formula)')


def _pad_token_id():
    # 5.x configs no longer default pad_token_id; the official models read config.pad_token_id (None in 4.57).
    from transformers import PretrainedConfig
    if not hasattr(PretrainedConfig(), "pad_token_id"):
        PretrainedConfig.pad_token_id = None
        APPLIED.append("PretrainedConfig.pad_token_id defaults to None")


def _talker_cache_position():
    # 4.57's generate() passed cache_position to forward; 5.x does not, and the talker's decode step then recomputes
    # rope positions over the whole mask. Supply arange(past, past + new) as 4.57 did.
    from qwen_tts.core.models import modeling_qwen3_tts as official
    cls = official.Qwen3TTSTalkerForConditionalGeneration
    forward = cls.forward

    @functools.wraps(forward)  # generate() validates its keyword arguments against this signature
    def with_cache_position(self, *args, **kwargs):
        if kwargs.get("cache_position") is None and kwargs.get("past_key_values") is not None:
            past = kwargs["past_key_values"].get_seq_length()
            ids, embeds = kwargs.get("input_ids"), kwargs.get("inputs_embeds")
            new = (embeds if embeds is not None and (ids is None or past == 0) else ids).shape[1]
            kwargs["cache_position"] = torch.arange(past, past + new, device=(embeds if embeds is not None else ids).device)
        return forward(self, *args, **kwargs)

    cls.forward = with_cache_position
    APPLIED.append("talker forward gets cache_position = arange(past, past + new), as 4.57's generate() passed")


def _tied_weights():
    # 5.x reads _tied_weights_keys as a {target: source} dict; the official classes list "lm_head.weight", a module
    # they do not have (their heads are codec_head and lm_head[i]). With tie_word_embeddings false, 4.57 tied nothing.
    from qwen_tts.core.models import modeling_qwen3_tts as official
    for cls in vars(official).values():
        if isinstance(cls, type) and isinstance(cls.__dict__.get("_tied_weights_keys"), list):
            cls._tied_weights_keys = {}
    APPLIED.append("the official classes' _tied_weights_keys lists become empty dicts (nothing was tied in 4.57)")


def _rotary_buffers():
    # 5.x loads a checkpoint into modules built on the meta device and then allocates non-persistent buffers without
    # running their constructors: every official rotary embedding's inv_freq is left as uninitialised memory (seen:
    # 3.9e-28, 0.0, ...), so the model "runs" with garbage positions. 4.57 kept the constructor's values. Recompute
    # them with the module's own rope_init_fn after every from_pretrained.
    from transformers import PreTrainedModel
    original = PreTrainedModel.from_pretrained.__func__

    @functools.wraps(original)
    def from_pretrained(cls, *args, **kwargs):
        model = original(cls, *args, **kwargs)
        restore_rotary(model)
        return model

    PreTrainedModel.from_pretrained = classmethod(from_pretrained)
    APPLIED.append("official rotary inv_freq buffers recomputed after from_pretrained (5.x leaves them uninitialised)")


def _loaded_weights():
    # 5.x runs `_init_weights` after loading on every module not flagged as initialised, trusting it to use the
    # flag-aware `transformers.initialization` functions. The official `_init_weights` writes `weight.data` in place
    # (as 4.57 code did), so every Linear and Embedding was re-drawn at random after loading: the model ran, on weights
    # that were not the checkpoint's. 5.x skips such modules for remote code whose parameters are all loaded; give the
    # official classes the same treatment.
    from transformers import PreTrainedModel
    original = PreTrainedModel._initialize_weights

    @functools.wraps(original)
    def initialize(self, module, is_remote_code=False):
        return original(self, module, is_remote_code or type(self).__module__.startswith("qwen_tts."))

    PreTrainedModel._initialize_weights = initialize
    APPLIED.append("loaded weights kept: the official classes' in-place _init_weights is skipped for loaded modules")


def official_rotaries(model):
    return [m for m in model.modules() if hasattr(m, "inv_freq") and type(m).__module__.startswith("qwen_tts.")]


def restore_rotary(model):
    for module in official_rotaries(model):
        inv_freq, scaling = module.rope_init_fn(module.config, module.inv_freq.device)
        module.inv_freq = inv_freq.to(module.inv_freq.device)
        module.original_inv_freq = module.inv_freq
        module.attention_scaling = scaling


def apply():
    """Applies every change once (none on transformers 4.x). QWEN3_COMPAT_SKIP=name,name leaves changes out, to show
    that test_compat.py fails without them."""
    if APPLIED or _major() < 5:
        return
    skip = set(filter(None, os.environ.get("QWEN3_COMPAT_SKIP", "").split(",")))
    for change in (_stand_ins, _check_model_inputs, _mask_functions, _rope, _pad_token_id, _rotary_buffers, _loaded_weights,
                   _talker_cache_position, _tied_weights):
        if change.__name__.lstrip("_") not in skip:
            change()
