using System.Text.Json;
using System.Text.RegularExpressions;
using ADRaffy.ENSNormalize;
using Microsoft.ML.Tokenizers;

namespace Voice.Speech.Qwen3;

/// <summary>
/// Qwen2's byte-level BPE (vocab.json + merges.txt of the model directory) through Microsoft.ML.Tokenizers, with
/// Qwen2's pre-tokenisation pattern and NFC normalisation, and the official prompt templates. The templates are
/// assembled from ids, so no special token is ever read out of the tenant's text: a text that contains
/// "&lt;|im_end|&gt;" is spoken as text (the official code would read it as the token; a deliberate difference).
/// </summary>
public sealed partial class Qwen3Tokenizer
{
    private readonly BpeTokenizer _bpe;
    private readonly long _imStart, _imEnd;

    public Qwen3Tokenizer(IReadOnlyDictionary<string, int> vocabulary, IEnumerable<string> merges, long imStart, long imEnd)
    {
        _bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges,
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(Qwen2Pattern(), null),
        });
        (_imStart, _imEnd) = (imStart, imEnd);
    }

    /// <summary>The model directory's tokenizer files, named by its manifest.</summary>
    public static Qwen3Tokenizer Load(string directory, Qwen3Manifest manifest)
    {
        string vocabPath = Path.Combine(directory, manifest.Tokenizer["vocab"]);
        string mergesPath = Path.Combine(directory, manifest.Tokenizer["merges"]);
        try
        {
            var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath))
                ?? throw new Qwen3ModelException($"{vocabPath}: empty.");
            var merges = File.ReadLines(mergesPath).Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal)).ToList();
            return new Qwen3Tokenizer(vocab, merges, manifest.Special("im_start"), manifest.Special("im_end"));
        }
        catch (Exception ex) when (ex is JsonException or IOException or ArgumentException or InvalidOperationException)
        {
            throw new Qwen3ModelException($"tokenizer ({vocabPath}, {mergesPath}) does not load: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Plain text → ids (no special tokens recognised), after Unicode NFC as the official tokenizer's normaliser does.
    /// NFC comes from ENSNormalize, not <see cref="string.Normalize()"/>: with invariant globalization (the services'
    /// setting) .NET leaves non-ASCII text unnormalised, so "e" + U+0301 would not become "é".
    /// </summary>
    public long[] Encode(string text) =>
        [.. _bpe.EncodeToIds(ENSNormalize.NF.NFC(text), considerPreTokenization: true, considerNormalization: false).Select(i => (long)i)];

    /// <summary>
    /// <c>&lt;|im_start|&gt;assistant\n{text}&lt;|im_end|&gt;\n&lt;|im_start|&gt;assistant\n</c>, tokenised as the official
    /// processor does (the text shares its pre-tokenised piece with "assistant\n"): ids[0..3) are the role, ids[3..^5] the text.
    /// </summary>
    public long[] Target(string text) => [_imStart, .. Encode("assistant\n" + text), _imEnd, .. Encode("\n"), _imStart, .. Encode("assistant\n")];

    /// <summary><c>&lt;|im_start|&gt;user\n{instruct}&lt;|im_end|&gt;\n</c>: a design description or a preset's style instruction.</summary>
    public long[] Instruct(string instruct) => [_imStart, .. Encode("user\n" + instruct), _imEnd, .. Encode("\n")];

    /// <summary><c>&lt;|im_start|&gt;assistant\n{reference}&lt;|im_end|&gt;\n</c>: an in-context clone's transcript; its text is ids[3..^2].</summary>
    public long[] Reference(string transcript) => [_imStart, .. Encode("assistant\n" + transcript), _imEnd, .. Encode("\n")];

    [GeneratedRegex(@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")]
    private static partial Regex Qwen2Pattern();
}
