using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Voice.Speech.Qwen3;

/// <summary>
/// Qwen2's byte-level BPE (vocab.json + merges.txt of the model directory) through Microsoft.ML.Tokenizers, with
/// Qwen2's pre-tokenisation pattern and NFC normalisation. The prompt templates are assembled from ids here, so no
/// special token is ever read out of the tenant's text: a text that contains "&lt;|im_end|&gt;" is spoken as text.
/// </summary>
public sealed partial class Qwen3Tokenizer
{
    private readonly BpeTokenizer _bpe;
    private readonly Qwen3Manifest _manifest;

    public Qwen3Tokenizer(string directory, Qwen3Manifest manifest)
    {
        _manifest = manifest;
        string vocabPath = Path.Combine(directory, manifest.Tokenizer["vocab"]);
        string mergesPath = Path.Combine(directory, manifest.Tokenizer["merges"]);
        try
        {
            var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath))
                ?? throw new Qwen3ModelException($"{vocabPath}: empty.");
            var merges = File.ReadLines(mergesPath).Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal)).ToList();
            _bpe = BpeTokenizer.Create(new BpeOptions(vocab)
            {
                Merges = merges,
                ByteLevel = true,
                PreTokenizer = new RegexPreTokenizer(Qwen2Pattern(), null),
            });
        }
        catch (Exception ex) when (ex is JsonException or IOException or ArgumentException or InvalidOperationException)
        {
            throw new Qwen3ModelException($"tokenizer ({vocabPath}, {mergesPath}) does not load: {ex.Message}", ex);
        }
    }

    /// <summary>Plain text → ids (no special tokens recognised).</summary>
    public long[] Encode(string text) =>
        [.. _bpe.EncodeToIds(text.Normalize(NormalizationForm.FormC), considerPreTokenization: true, considerNormalization: false).Select(i => (long)i)];

    /// <summary>The ids of <c>&lt;|im_start|&gt;assistant\n</c>: the role tokens before the target text.</summary>
    public long[] AssistantRole() => [_manifest.Special("im_start"), .. Encode("assistant\n")];

    /// <summary><c>&lt;|im_start|&gt;user\n{instruct}&lt;|im_end|&gt;\n</c>: a design description or a preset's style instruction.</summary>
    public long[] Instruct(string instruct) => [_manifest.Special("im_start"), .. Encode("user\n" + instruct), _manifest.Special("im_end"), .. Encode("\n")];

    [GeneratedRegex(@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")]
    private static partial Regex Qwen2Pattern();
}
