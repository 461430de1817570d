using Microsoft.Extensions.Logging.Abstractions;
using Voice.Speech.Engines;
using Voice.Speech.Qwen3;
using Voice.Speech.Qwen3.Parity;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Speech;

/// <summary>
/// The engines of the three random-weight reference models (VoiceDesign, CustomVoice, Base: the real architecture,
/// made, run and exported by <c>tools/qwen3-reference/run.sh</c> with the official code) and the official outputs.
/// </summary>
public sealed class Qwen3ReferenceModels : IDisposable
{
    public static readonly string Directory = Path.Combine(RepositoryPaths.Root, "Voice.Tests", "Speech", "Fixtures", "qwen3-reference");

    public Qwen3ReferenceSet Set { get; } = Qwen3ReferenceSet.Load(Directory);

    public IReadOnlyDictionary<string, Qwen3Engine> Engines { get; } = new[] { "voice_design", "custom_voice", "base" }.ToDictionary(
        kind => kind, kind => new Qwen3Engine(new Qwen3EngineOptions(Path.Combine(Directory, "models", kind), new OnnxProviderOptions("cpu")), NullLogger.Instance));

    public static string ModelDirectory(string kind) => Path.Combine(Directory, "models", kind);

    public void Dispose()
    {
        foreach (var engine in Engines.Values)
        {
            engine.Dispose();
        }
    }
}

/// <summary>
/// The C# engine replays the official Qwen3-TTS code's greedy runs on the reference models (CPU provider): the same
/// ids, prompt and codes frame by frame up to the same stop, and streamed audio within 40 dB of the official decode.
/// </summary>
public sealed class Qwen3ReferenceTests(Qwen3ReferenceModels models) : IClassFixture<Qwen3ReferenceModels>
{
    public static TheoryData<string> Cases() => [.. Qwen3ReferenceSet.Load(Qwen3ReferenceModels.Directory).Cases.Select(c => c.Name)];

    private ReferenceCase Case(string name) => models.Set.Cases.Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheEngineReplaysTheOfficialGreedyRun(string name)
    {
        var c = Case(name);
        var rows = await Qwen3Parity.ReplayAsync(models.Engines[c.Model], models.Set, c, CancellationToken.None);
        Assert.Equal(c.Rows.Count, rows.Count);
        foreach (var row in rows)
        {
            Assert.True(row.IdsEqual, $"{name}[{row.Row}]: token ids differ from the official processor's");
            Assert.True(row.PromptDifference < 1e-4, $"{name}[{row.Row}]: prompt embeddings differ by {row.PromptDifference:e2} of their range");
            Assert.True(row.FirstDifferentFrame is null, $"{name}[{row.Row}]: codes differ from frame {row.FirstDifferentFrame} (of {row.ExpectedFrames})");
            Assert.Equal(row.ExpectedFrames, row.ActualFrames);
            Assert.Equal(row.ExpectedStop, row.ActualStop);
            Assert.Equal(row.ExpectedSamples, row.ActualSamples);
            Assert.True(row.WaveSnrDb >= 40, $"{name}[{row.Row}]: streamed audio is {row.WaveSnrDb:F1} dB from the official decode");
        }
    }

    [Fact]
    public void TheCaseSetCoversEveryModeAndBothStops()
    {
        var cases = models.Set.Cases;
        Assert.Contains(cases, c => c.Model == "voice_design");
        Assert.Contains(cases, c => c.Model == "custom_voice" && c.Instruct is not null);
        Assert.Contains(cases, c => c.Model == "custom_voice" && c.Speaker is "eric" or "dylan");
        Assert.Contains(cases, c => c.XVectorOnly);
        Assert.Contains(cases, c => c.RefText is not null && !c.XVectorOnly);
        Assert.Contains(cases, c => c.Rows.Count > 1);
        var rows = cases.SelectMany(c => c.Rows).ToList();
        Assert.Contains(rows, r => r.StopFrame is not null);
        Assert.Contains(rows, r => r.StopFrame is null);
        Assert.True(cases.Select(c => c.Language).Distinct().Count() >= 6);
    }

    [Theory]
    [InlineData("clone-xvector")]
    [InlineData("clone-icl-de")]
    [InlineData("clone-icl-long-text")]
    public void AClonesSpeakerEmbeddingAndReferenceCodesAreTheOfficialOnes(string name)
    {
        var clone = Qwen3Parity.ReplayClone(models.Engines["base"], models.Set, Case(name));
        Assert.True(clone.XVectorDifference < 1e-4, $"x-vector differs by {clone.XVectorDifference:e2}");
        Assert.NotEqual(false, clone.ReferenceCodesEqual);
    }

    [Fact]
    public void TheCodecEncodesTheReferencesToTheOfficialCodes()
    {
        var graphs = models.Engines["base"].Graphs;
        foreach (var (reference, codes) in models.Set.Codecs["base"].Encoded)
        {
            float[] audio = models.Set.Read(models.Set.References[reference]);
            Assert.Equal(codes.SelectMany(f => f), graphs.Encode(audio));
            Assert.Equal((audio.Length + 1919) / 1920, codes.Length); // every started frame, as the official encode cuts
        }
    }

    [Fact]
    public void TheCodecDecodesFixedCodesAsTheOfficialDecoderWholeAndStreamed()
    {
        var codec = models.Set.Codecs["voice_design"];
        var graphs = models.Engines["voice_design"].Graphs;
        float[] expected = models.Set.Read(codec.DecodeWave);
        long[] codes = [.. codec.DecodeCodes.SelectMany(f => f)];
        Assert.True(Qwen3Parity.SnrDb(expected, graphs.Decode(codes, codec.DecodeCodes.Length)) >= 60);

        var streamer = new CodecStreamer(graphs);
        var streamed = new List<float>();
        foreach (var frame in codec.DecodeCodes)
        {
            streamed.AddRange(streamer.Add(frame) ?? []);
        }
        streamed.AddRange(streamer.Flush());
        Assert.True(Qwen3Parity.SnrDb(expected, [.. streamed]) >= 40);
    }

    [Fact]
    public void TheFirstChunkIsExactWhateverComesAfterIt()
    {
        // The decoder is causal: the first frames' audio does not depend on later frames, so the first chunk can leave early.
        var codec = models.Set.Codecs["voice_design"];
        var graphs = models.Engines["voice_design"].Graphs;
        long[] all = [.. codec.DecodeCodes.SelectMany(f => f)];
        float[] whole = graphs.Decode(all, codec.DecodeCodes.Length);
        float[] first = graphs.Decode(all[..(4 * 16)], 4);
        Assert.True(Qwen3Parity.SnrDb(whole.AsSpan(0, first.Length), first) >= 100);
    }
}
