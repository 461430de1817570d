"""Records the official text tokenizer's ids on the case set's multilingual texts, with Qwen's real vocabulary.

    python3 tokenizer_reference.py --cases cases.json --out <dir> <qwen-bpe-dir>

<qwen-bpe-dir> holds the published Qwen3-TTS vocab.json, merges.txt and tokenizer_config.json. The processor is the
official one (Qwen3TTSProcessor, loaded as Qwen3TTSModel.from_pretrained loads it); for each text it records the ids
of the text alone and of the assistant template the model is given (`<|im_start|>assistant\\n{text}<|im_end|>\\n
<|im_start|>assistant\\n`), from which the official code slices the text's ids as [3:-5].
"""
import argparse
import json
import os
import shutil
import tempfile

import qwen3_compat

qwen3_compat.apply()

from qwen_tts.core.models.processing_qwen3_tts import Qwen3TTSProcessor  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bpe")
    parser.add_argument("--cases", required=True)
    parser.add_argument("--out", required=True)
    a = parser.parse_args()
    with open(a.cases, encoding="utf-8") as f:
        texts = json.load(f)["tokenizer_texts"]
    with tempfile.TemporaryDirectory() as directory:
        for name in ("vocab.json", "merges.txt", "tokenizer_config.json"):
            shutil.copy(os.path.join(a.bpe, name), directory)
        with open(os.path.join(directory, "preprocessor_config.json"), "w", encoding="utf-8") as f:
            json.dump({"processor_class": "Qwen3TTSProcessor"}, f)
        processor = Qwen3TTSProcessor.from_pretrained(directory, fix_mistral_regex=True)

        def ids(text):
            return [int(i) for i in processor(text=text)["input_ids"][0]]

        cases = [{"text": t, "ids": ids(t), "template_ids": ids(f"<|im_start|>assistant\n{t}<|im_end|>\n<|im_start|>assistant\n")}
                 for t in texts]
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump({"vocabulary": "Qwen2 byte-level BPE (151,643 tokens, 151,387 merges) with the Qwen3-TTS special tokens",
                   "cases": cases}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
