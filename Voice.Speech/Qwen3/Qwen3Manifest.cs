using System.Text.Json;
using System.Text.Json.Serialization;

namespace Voice.Speech.Qwen3;

/// <summary>A model directory that cannot be used: the message names the file, graph or tensor at fault.</summary>
public sealed class Qwen3ModelException(string message, Exception? inner = null) : Exception(message, inner);

public sealed record TensorSpec(
    [property: JsonPropertyName("dtype")] string DType,
    [property: JsonPropertyName("shape")] JsonElement[] Shape);

public sealed record GraphSpec(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("inputs")] Dictionary<string, TensorSpec> Inputs,
    [property: JsonPropertyName("outputs")] Dictionary<string, TensorSpec> Outputs);

public sealed record StackSpec(
    [property: JsonPropertyName("layers")] int Layers,
    [property: JsonPropertyName("kv_heads")] int KvHeads,
    [property: JsonPropertyName("head_dim")] int HeadDim,
    [property: JsonPropertyName("vocab_size")] int VocabSize);

public sealed record GenerationDefaults(
    [property: JsonPropertyName("temperature")] float Temperature = 0.9f,
    [property: JsonPropertyName("top_k")] int TopK = 50,
    [property: JsonPropertyName("top_p")] float TopP = 1.0f,
    [property: JsonPropertyName("repetition_penalty")] float RepetitionPenalty = 1.05f,
    [property: JsonPropertyName("subtalker_temperature")] float SubtalkerTemperature = 0.9f,
    [property: JsonPropertyName("subtalker_top_k")] int SubtalkerTopK = 50,
    [property: JsonPropertyName("subtalker_top_p")] float SubtalkerTopP = 1.0f,
    [property: JsonPropertyName("max_new_tokens")] int MaxNewTokens = 2048,
    [property: JsonPropertyName("min_new_tokens")] int MinNewTokens = 2);

/// <summary>
/// <c>manifest.json</c> of an exported Qwen3-TTS model directory (written by <c>tools/qwen3-export</c>): the variant,
/// the sizes the loop needs, special token ids, languages, preset speakers, the tokenizer files, sampling defaults
/// and every graph with its inputs and outputs. <see cref="Load"/> checks it against what the engine needs; the
/// sessions check it against the graphs themselves (<see cref="Qwen3Model"/>).
/// </summary>
public sealed record Qwen3Manifest(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("modes")] string[] Modes,
    [property: JsonPropertyName("sample_rate")] int SampleRate,
    [property: JsonPropertyName("samples_per_frame")] int SamplesPerFrame,
    [property: JsonPropertyName("codebooks")] int Codebooks,
    [property: JsonPropertyName("codebook_size")] int CodebookSize,
    [property: JsonPropertyName("hidden_size")] int HiddenSize,
    [property: JsonPropertyName("talker")] StackSpec Talker,
    [property: JsonPropertyName("code_predictor")] StackSpec CodePredictor,
    [property: JsonPropertyName("special_tokens")] Dictionary<string, int> SpecialTokens,
    [property: JsonPropertyName("languages")] Dictionary<string, int> Languages,
    [property: JsonPropertyName("speakers")] Dictionary<string, int> Speakers,
    [property: JsonPropertyName("tokenizer")] Dictionary<string, string> Tokenizer,
    [property: JsonPropertyName("generation")] GenerationDefaults Generation,
    [property: JsonPropertyName("graphs")] Dictionary<string, GraphSpec> Graphs,
    [property: JsonPropertyName("size")] string? Size = null,
    [property: JsonPropertyName("precision")] string? Precision = null,
    [property: JsonPropertyName("speaker_dialects")] Dictionary<string, int>? SpeakerDialects = null)
{
    public const string FileName = "manifest.json";
    public const string SupportedFormat = "voice-qwen3-onnx/1";

    /// <summary>The graphs the engine runs, with the inputs and outputs it binds by name.</summary>
    public static readonly IReadOnlyDictionary<string, (string[] Inputs, string[] Outputs)> RequiredGraphs = new Dictionary<string, (string[], string[])>
    {
        ["text_embed"] = (["input_ids"], ["embeds"]),
        ["codec_embed"] = (["codec_ids"], ["embeds"]),
        ["frame_embed"] = (["codes"], ["embeds"]),
        ["code_predictor_embed"] = (["codes", "step"], ["embeds"]),
        ["talker"] = (["inputs_embeds", "attention_mask", "position_ids"], ["logits", "last_hidden"]),
        ["code_predictor"] = (["inputs_embeds", "generation_step"], ["logits"]),
        ["codec_decode"] = (["codes"], ["audio"]),
    };

    /// <summary>Only cloning needs these.</summary>
    public static readonly IReadOnlyDictionary<string, (string[] Inputs, string[] Outputs)> CloneGraphs = new Dictionary<string, (string[], string[])>
    {
        ["codec_encode"] = (["audio"], ["codes"]),
        ["speaker_encoder"] = (["audio"], ["xvector"]),
    };

    public static readonly string[] RequiredSpecialTokens =
    [
        "codec_pad", "codec_bos", "codec_eos", "codec_think", "codec_nothink", "codec_think_bos", "codec_think_eos",
        "im_start", "im_end", "tts_pad", "tts_bos", "tts_eos",
    ];

    private static readonly JsonSerializerOptions Json = new() { ReadCommentHandling = JsonCommentHandling.Skip };

    public int Special(string name) => SpecialTokens[name];

    public bool Supports(string mode) => Modes.Contains(mode, StringComparer.Ordinal);

    /// <summary>The official code drops a preset's instruction on the 0.6B CustomVoice model ("0b6"); 1.7B follows it.</summary>
    public bool FollowsPresetInstructions => Size != "0b6";

    /// <summary>The dialect language id a preset speaker uses when asked for Chinese or auto (Eric: Sichuanese, Dylan: Beijing).</summary>
    public int? DialectOf(string speaker) => SpeakerDialects?.TryGetValue(speaker, out int id) == true ? id : null;

    /// <summary>Reads and checks <c>manifest.json</c> in <paramref name="directory"/>; every problem found is in the exception's message.</summary>
    public static Qwen3Manifest Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new Qwen3ModelException($"{path}: not found. A model directory holds the graphs written by tools/qwen3-export and their {FileName}.");
        }
        Qwen3Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Qwen3Manifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new Qwen3ModelException($"{path}: not valid JSON for a model manifest ({ex.Message}).", ex);
        }
        if (manifest is null)
        {
            throw new Qwen3ModelException($"{path}: empty.");
        }
        var problems = manifest.Problems(directory);
        if (problems.Count > 0)
        {
            throw new Qwen3ModelException($"{path}: " + string.Join(" ", problems));
        }
        return manifest;
    }

    private List<string> Problems(string directory)
    {
        var problems = new List<string>();
        if (Format != SupportedFormat)
        {
            problems.Add($"format is '{Format}', expected '{SupportedFormat}'.");
        }
        if (SampleRate <= 0 || SamplesPerFrame <= 0 || Codebooks < 2 || CodebookSize <= 0 || HiddenSize <= 0)
        {
            problems.Add("sample_rate, samples_per_frame, codebooks (≥ 2), codebook_size and hidden_size must be positive.");
        }
        if (Talker is null || CodePredictor is null || Talker.Layers <= 0 || CodePredictor.Layers <= 0)
        {
            problems.Add("talker and code_predictor need layers, kv_heads, head_dim and vocab_size.");
        }
        foreach (string name in RequiredSpecialTokens.Where(n => SpecialTokens?.ContainsKey(n) != true))
        {
            problems.Add($"special_tokens has no '{name}'.");
        }
        if (Tokenizer is null || !Tokenizer.TryGetValue("vocab", out var vocab) || !Tokenizer.TryGetValue("merges", out var merges))
        {
            problems.Add("tokenizer must name its 'vocab' and 'merges' files.");
        }
        else
        {
            problems.AddRange(new[] { vocab, merges }.Where(f => !File.Exists(Path.Combine(directory, f))).Select(f => $"tokenizer file {f} is missing."));
        }
        var needed = Supports("clone") ? RequiredGraphs.Concat(CloneGraphs) : RequiredGraphs;
        foreach (var (graph, (inputs, outputs)) in needed)
        {
            if (Graphs?.TryGetValue(graph, out var spec) != true || spec is null)
            {
                problems.Add($"graph '{graph}' is not listed.");
                continue;
            }
            if (!File.Exists(Path.Combine(directory, spec.File)))
            {
                problems.Add($"graph '{graph}': file {spec.File} is missing.");
            }
            problems.AddRange(inputs.Where(i => !spec.Inputs.ContainsKey(i)).Select(i => $"graph '{graph}' declares no input '{i}'."));
            problems.AddRange(outputs.Where(o => !spec.Outputs.ContainsKey(o)).Select(o => $"graph '{graph}' declares no output '{o}'."));
        }
        return problems;
    }
}
