using System.Text.Json;

namespace Voice.Speech.Qwen3.Parity;

/// <summary>A float tensor the reference tool wrote: little-endian float32 (.f32) or float16 (.f16: waveforms).</summary>
public sealed record ReferenceTensor(string File, int[] Shape);

/// <summary>One row of a reference case: what the official code was given and what it produced.</summary>
public sealed record ReferenceRow(
    string Text, long[] InputIds, long[]? InstructIds, long[]? RefIds, int Frames, int? StopFrame, long[][] Codes, double? MinGreedyMargin,
    ReferenceTensor Prompt, ReferenceTensor Trailing, ReferenceTensor Wave, long[][]? RefCodes, ReferenceTensor? XVector);

/// <summary>A case of <c>tools/qwen3-reference/cases.json</c> as the official code ran it (several rows for a batch).</summary>
public sealed record ReferenceCase(
    string Name, string Model, string Language, string? Instruct, string? Speaker, string? RefAudio, string? RefText, bool XVectorOnly,
    bool? NonStreamingMode, IReadOnlyList<ReferenceRow> Rows);

/// <summary>What the official speech tokenizer of a model produced: codes of the fixed references, the waveform of fixed codes.</summary>
public sealed record CodecReference(IReadOnlyDictionary<string, long[][]> Encoded, long[][] DecodeCodes, ReferenceTensor DecodeWave);

/// <summary>
/// The official code's outputs on the case set (<c>reference.json</c> and its <c>data/</c>, written by
/// <c>tools/qwen3-reference/reference.py</c>), read for the replay tests and the parity command.
/// </summary>
public sealed class Qwen3ReferenceSet
{
    /// <summary>The official language names, by the platform's codes (auto is auto).</summary>
    private static readonly Dictionary<string, string> Languages = new()
    {
        ["english"] = "en", ["chinese"] = "zh", ["japanese"] = "ja", ["korean"] = "ko", ["german"] = "de", ["french"] = "fr",
        ["russian"] = "ru", ["portuguese"] = "pt", ["spanish"] = "es", ["italian"] = "it", ["auto"] = "auto",
    };

    public required string Directory { get; init; }

    /// <summary>The official max_new_tokens of every run: at most one frame fewer comes out.</summary>
    public required int MaxNewTokens { get; init; }

    public required IReadOnlyList<ReferenceCase> Cases { get; init; }

    public required IReadOnlyDictionary<string, ReferenceTensor> References { get; init; }

    /// <summary>By model kind (voice_design, custom_voice, base).</summary>
    public required IReadOnlyDictionary<string, CodecReference> Codecs { get; init; }

    public static Qwen3ReferenceSet Load(string directory)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "reference.json")));
        var root = json.RootElement;
        var cases = new List<ReferenceCase>();
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            var rows = c.TryGetProperty("rows", out var many)
                ? many.EnumerateArray().Select((r, i) => Row(r, c.GetProperty("texts")[i].GetString()!)).ToList()
                : [Row(c, c.GetProperty("text").GetString()!)];
            cases.Add(new ReferenceCase(c.GetProperty("name").GetString()!, c.GetProperty("model").GetString()!,
                Languages[c.GetProperty("language").GetString()!], Text(c, "instruct"), Text(c, "speaker"), Text(c, "ref_audio"), Text(c, "ref_text"),
                c.TryGetProperty("x_vector_only_mode", out var x) && x.GetBoolean(),
                c.TryGetProperty("non_streaming_mode", out var n) && n.ValueKind != JsonValueKind.Null ? n.GetBoolean() : null, rows));
        }
        return new Qwen3ReferenceSet
        {
            Directory = directory,
            MaxNewTokens = root.GetProperty("max_new_tokens").GetInt32(),
            Cases = cases,
            References = root.GetProperty("references").EnumerateObject().ToDictionary(p => p.Name, p => Tensor(p.Value)),
            Codecs = root.GetProperty("models").EnumerateObject().ToDictionary(p => p.Name, p =>
            {
                var codec = p.Value.GetProperty("codec");
                var decode = codec.GetProperty("decode");
                return new CodecReference(codec.GetProperty("encode").EnumerateObject().ToDictionary(e => e.Name, e => Codes(e.Value)),
                    Codes(decode.GetProperty("codes")), Tensor(decode.GetProperty("wave")));
            }),
        };
    }

    /// <summary>A tensor's values as float32.</summary>
    public float[] Read(ReferenceTensor tensor)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Directory, tensor.File));
        if (tensor.File.EndsWith(".f16", StringComparison.Ordinal))
        {
            var half = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(bytes);
            var values = new float[half.Length];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)half[i];
            }
            return values;
        }
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private static ReferenceRow Row(JsonElement r, string text) => new(
        text, Ids(r.GetProperty("input_ids"))!, Ids(r.GetProperty("instruct_ids")), Ids(r.GetProperty("ref_ids")),
        r.GetProperty("frames").GetInt32(), r.GetProperty("stop_frame").ValueKind == JsonValueKind.Null ? null : r.GetProperty("stop_frame").GetInt32(),
        Codes(r.GetProperty("codes")), r.GetProperty("min_greedy_margin").ValueKind == JsonValueKind.Number ? r.GetProperty("min_greedy_margin").GetDouble() : null,
        Tensor(r.GetProperty("prompt")), Tensor(r.GetProperty("trailing")), Tensor(r.GetProperty("wave")),
        r.TryGetProperty("ref_codes", out var rc) && rc.ValueKind == JsonValueKind.Array ? Codes(rc) : null,
        r.TryGetProperty("xvector", out var xv) ? Tensor(xv) : null);

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long[]? Ids(JsonElement e) => e.ValueKind == JsonValueKind.Array ? [.. e.EnumerateArray().Select(i => i.GetInt64())] : null;

    private static long[][] Codes(JsonElement e) => [.. e.EnumerateArray().Select(f => Ids(f)!)];

    private static ReferenceTensor Tensor(JsonElement e) =>
        new(e.GetProperty("file").GetString()!, [.. e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32())]);
}
