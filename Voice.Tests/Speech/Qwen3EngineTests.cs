using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Voice.Speech.Engines;
using Voice.Speech.Qwen3;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Speech;

/// <summary>
/// The Qwen3-TTS engine's real loader, tokenizer, prompt assembly, generation loop, KV caches, sampler and streaming
/// decoder, run on ONNX Runtime's CPU provider against a tiny randomly initialised model with the production graph
/// signatures (<c>tools/qwen3-export/make_tiny_model.py</c>; committed under <c>Speech/Fixtures/qwen3-tiny</c>).
/// The tiny model's audio is not speech: these tests check the machinery, not the voice.
/// </summary>
public sealed class Qwen3EngineTests : IDisposable
{
    public static readonly string TinyModel = Path.Combine(RepositoryPaths.Root, "Voice.Tests", "Speech", "Fixtures", "qwen3-tiny");
    private static readonly OnnxProviderOptions Cpu = new("cpu");
    private readonly Qwen3Engine _engine = new(new Qwen3EngineOptions(TinyModel, new OnnxProviderOptions()), NullLogger.Instance);
    private readonly List<string> _temporary = [];

    public void Dispose()
    {
        _engine.Dispose();
        foreach (string directory in _temporary)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void LoadsOnTheCpuWhenCudaIsAbsentAndDescribesItselfFromTheManifest()
    {
        Assert.Equal("cpu", _engine.Provider); // "auto" fell back: the test build has the CPU package only
        Assert.Equal("qwen3-onnx", _engine.Name);
        Assert.Equal([VoiceMode.Design, VoiceMode.Clone, VoiceMode.Preset], _engine.Capabilities.Modes);
        Assert.Equal(SpeechLanguages.All.Order(), _engine.Capabilities.Languages.Order());
        Assert.Equal(24_000, _engine.Capabilities.SampleRate);
        var fromConfiguration = SpeechEngines.Create("qwen3-onnx",
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Speech:ModelDirectory"] = TinyModel, ["Speech:Provider"] = "cpu",
            }).Build());
        Assert.Equal("tiny-random-qwen3-tts (tests only)", fromConfiguration.Model);
        ((IDisposable)fromConfiguration).Dispose();
    }

    [Fact]
    public void AskingForCudaWhereThereIsNoneFailsClearly()
    {
        var error = Assert.Throws<Qwen3ModelException>(() => new Qwen3Model(TinyModel, new OnnxProviderOptions("cuda"), NullLogger.Instance));
        Assert.Contains("CUDA execution provider could not load", error.Message);
        Assert.Throws<Qwen3ModelException>(() => SpeechEngines.Create("qwen3-onnx", new ConfigurationBuilder().Build()));
    }

    [Theory]
    [InlineData("missing-file", "file talker.onnx is missing")]
    [InlineData("undeclared-input", "graph 'talker' declares no input 'position_ids'")]
    [InlineData("wrong-dtype", "input 'inputs_embeds' is float32, the manifest says float16")]
    [InlineData("absent-tensor", "has no output 'hidden_states'")]
    [InlineData("special-token", "special_tokens has no 'codec_eos'")]
    [InlineData("format", "format is 'voice-qwen3-onnx/0'")]
    [InlineData("not-json", "not valid JSON")]
    [InlineData("tokenizer", "tokenizer file vocab.json is missing")]
    public void ABrokenModelDirectoryIsRefusedNamingWhatIsWrong(string breakage, string expected)
    {
        string directory = CopyTinyModel();
        string manifestPath = Path.Combine(directory, Qwen3Manifest.FileName);
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var talker = manifest["graphs"]!["talker"]!;
        switch (breakage)
        {
            case "missing-file":
                File.Delete(Path.Combine(directory, "talker.onnx"));
                break;
            case "undeclared-input":
                talker["inputs"]!.AsObject().Remove("position_ids");
                break;
            case "wrong-dtype":
                talker["inputs"]!["inputs_embeds"]!["dtype"] = "float16";
                break;
            case "absent-tensor":
                talker["outputs"]!["hidden_states"] = JsonNode.Parse("""{"dtype":"float32","shape":["batch",16]}""");
                break;
            case "special-token":
                manifest["special_tokens"]!.AsObject().Remove("codec_eos");
                break;
            case "format":
                manifest["format"] = "voice-qwen3-onnx/0";
                break;
            case "tokenizer":
                File.Delete(Path.Combine(directory, "vocab.json"));
                break;
        }
        File.WriteAllText(manifestPath, breakage == "not-json" ? "{ \"format\": " : manifest.ToJsonString());

        var error = Assert.Throws<Qwen3ModelException>(() => new Qwen3Model(directory, Cpu, NullLogger.Instance));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void TheTalkerCacheGrowsByThePromptThenOnePositionAFrame()
    {
        using var model = new Qwen3Model(TinyModel, Cpu, NullLogger.Instance);
        var tokenizer = new Qwen3Tokenizer(TinyModel, model.Manifest);
        var prompt = new Qwen3Prompt(model, tokenizer).Build("the tiny test", "en", null, new SpeakerCondition());
        int length = prompt.Embeds.Length / model.Hidden;
        using var cache = model.NewCache("talker");

        var (logits, hidden) = model.Talker(cache, prompt.Embeds);
        Assert.Equal(length, cache.Length);
        Assert.Equal([1, 2, length, 8], cache.Values[0].GetTensorTypeAndShape().Shape);
        Assert.Equal(model.Manifest.Talker.VocabSize, logits.Length);
        Assert.Equal(model.Hidden, hidden.Length);

        var (next, _) = model.Talker(cache, model.FrameEmbed([1, 2, 3, 4], 1));
        Assert.Equal(length + 1, cache.Length);
        Assert.Equal([1, 2, length + 1, 8], cache.Values[^1].GetTensorTypeAndShape().Shape);
        Assert.NotEqual(logits, next); // the new position and the grown cache changed the answer
    }

    [Fact]
    public void ThePromptHasTheReferenceLayout()
    {
        using var model = new Qwen3Model(TinyModel, Cpu, NullLogger.Instance);
        var tokenizer = new Qwen3Tokenizer(TinyModel, model.Manifest);
        var builder = new Qwen3Prompt(model, tokenizer);
        int role = tokenizer.AssistantRole().Length, text = tokenizer.Encode("the tiny test").Length;

        int Rows(PromptEmbeddings p) => p.Embeds.Length / model.Hidden;
        // role + [think, think_bos, lang, think_eos] + pad + text + tts_eos + bos
        Assert.Equal(role + 4 + 1 + text + 2, Rows(builder.Build("the tiny test", "en", null, new SpeakerCondition())));
        // an unknown language is "auto": [nothink, think_bos, think_eos]
        Assert.Equal(role + 3 + 1 + text + 2, Rows(builder.Build("the tiny test", "auto", null, new SpeakerCondition())));
        // a speaker adds one position, an instruction its own tokens
        Assert.Equal(role + 4 + 2 + text + 2, Rows(builder.Build("the tiny test", "en", null, new SpeakerCondition(SpeakerId: 60))));
        Assert.Equal(tokenizer.Instruct("calm").Length + role + 4 + 1 + text + 2, Rows(builder.Build("the tiny test", "en", "calm", new SpeakerCondition())));
        // in-context cloning: the codec track is bos + the reference frames; text beyond it is fed while generating
        var icl = builder.Build("the tiny test", "en", null, new SpeakerCondition(XVector: new float[model.Hidden], ReferenceCodes: new long[2 * 4], ReferenceText: "ref"));
        Assert.Equal(role + 4 + 2 + 1 + 2, Rows(icl));
        int textTrack = tokenizer.Encode("ref").Length + text + 1;
        Assert.Equal((textTrack - 3) * model.Hidden, icl.Trailing.Length);
    }

    [Fact]
    public void TheTokenizerIsByteLevelBpeAndNeverReadsSpecialTokensFromText()
    {
        using var model = new Qwen3Model(TinyModel, Cpu, NullLogger.Instance);
        var tokenizer = new Qwen3Tokenizer(TinyModel, model.Manifest);
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(TinyModel, "vocab.json")))!;

        Assert.Equal([vocab["Ġthe"]], tokenizer.Encode(" the")); // merges applied
        Assert.Equal(4, tokenizer.Encode("ñé").Length); // two 2-byte characters: one token per byte, no merge covers them
        long[] injected = tokenizer.Encode("<|im_end|>");
        Assert.DoesNotContain((long)model.Manifest.Special("im_end"), injected);
        Assert.Equal("<|im_end|>".Length, injected.Length); // spelled out byte by byte
    }

    [Fact]
    public async Task AFixedSeedRepeatsExactlyAndAnotherSeedDiffers()
    {
        var voice = await _engine.CreateVoiceAsync(new DesignVoiceSpec("a calm narrator", "en"), CancellationToken.None);
        var settings = GenerationSettings.From(JsonSerializer.Deserialize<GenerationDefaults>("{}")!, seed: 7);

        float[] first = await SpeakAsync(voice, "Seeded speech is repeatable.", settings);
        float[] again = await SpeakAsync(voice, "Seeded speech is repeatable.", settings);
        float[] other = await SpeakAsync(voice, "Seeded speech is repeatable.", settings with { Seed = 8 });

        Assert.True(first.Length > 0);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public async Task GenerationStopsAtEndOfSpeechOrAtTheFrameLimit()
    {
        using var model = new Qwen3Model(TinyModel, Cpu, NullLogger.Instance);
        var prompt = new Qwen3Prompt(model, new Qwen3Tokenizer(TinyModel, model.Manifest)).Build("stop", "en", null, new SpeakerCondition());
        var generator = new Qwen3Generator(model);

        var ended = new GenerationTimings();
        var frames = await CollectAsync(generator.GenerateAsync(prompt, GenerationSettings.Greedy, ended));
        Assert.Equal(StopReason.EndOfSpeech, ended.Stop); // the tiny talker's EOS rises past 40 positions
        Assert.InRange(frames.Count, 2, 40);
        Assert.All(frames, f => Assert.All(f, c => Assert.InRange(c, 0, model.Manifest.CodebookSize - 1))); // only codes, never control ids

        var capped = new GenerationTimings();
        var few = await CollectAsync(generator.GenerateAsync(prompt, GenerationSettings.Greedy with { MaxFrames = 3 }, capped));
        Assert.Equal(StopReason.FrameLimit, capped.Stop);
        Assert.Equal(3, few.Count);
        Assert.Equal(frames.Take(3).SelectMany(f => f), few.SelectMany(f => f)); // greedy: the same first frames

        Assert.Equal(75, generator.FrameLimit(1, GenerationSettings.Greedy));
        Assert.Equal(600, generator.FrameLimit(100, GenerationSettings.Greedy));
        Assert.Equal(2048, generator.FrameLimit(10_000, GenerationSettings.Greedy));
    }

    [Fact]
    public async Task ABatchOfDifferentLengthsGeneratesWhatEachRowGeneratesAlone()
    {
        using var model = new Qwen3Model(TinyModel, Cpu, NullLogger.Instance);
        var builder = new Qwen3Prompt(model, new Qwen3Tokenizer(TinyModel, model.Manifest));
        var generator = new Qwen3Generator(model);
        // Different lengths (so the batch is left-padded and masked), speakers and an instruction.
        PromptEmbeddings[] prompts =
        [
            builder.Build("a", "en", null, new SpeakerCondition()),
            builder.Build("a much longer sentence than the first", "de", null, new SpeakerCondition(SpeakerId: 61)),
            builder.Build("middle length", "en", "calm", new SpeakerCondition()),
        ];
        Assert.Equal(3, prompts.Select(p => p.Embeds.Length).Distinct().Count());

        foreach (var settings in new[] { GenerationSettings.Greedy, GenerationSettings.From(model.Manifest.Generation, seed: 11) })
        {
            var alone = new List<long[]>[prompts.Length];
            for (int i = 0; i < prompts.Length; i++)
            {
                alone[i] = await CollectAsync(generator.GenerateAsync(prompts[i], settings));
            }
            var together = Enumerable.Range(0, prompts.Length).Select(_ => new List<long[]>()).ToArray();
            await foreach (var (row, frame) in generator.GenerateBatchAsync(prompts, settings))
            {
                together[row].Add(frame);
            }
            for (int i = 0; i < prompts.Length; i++)
            {
                Assert.True(alone[i].Count > 0);
                Assert.Equal(alone[i].SelectMany(f => f), together[i].SelectMany(f => f));
            }
        }
    }

    [Fact]
    public async Task TheEngineSpeaksABatchOfRequestsAsEachAloneAndStreamsEveryRow()
    {
        var voice = await _engine.CreateVoiceAsync(new PresetVoiceSpec("alloy", "en"), CancellationToken.None);
        SynthesisRequest[] requests =
        [
            new("One sentence only.", "en", voice),
            new("Two sentences here. The second one is longer than the first.", "en", voice),
            new("Three. Short. Ones.", "en", voice),
        ];
        var batched = requests.Select(_ => new List<float>()).ToArray();
        var progress = requests.Select(_ => new List<double>()).ToArray();
        await foreach (var (index, chunk) in _engine.SynthesizeBatchAsync(requests, GenerationSettings.Greedy, CancellationToken.None))
        {
            batched[index].AddRange(chunk.Samples.Span);
            progress[index].Add(chunk.Progress);
        }
        for (int i = 0; i < requests.Length; i++)
        {
            Assert.Equal(await SpeakAsync(voice, requests[i].Text, GenerationSettings.Greedy), batched[i].ToArray());
            Assert.Equal(progress[i].Order(), progress[i]); // never backwards
            Assert.Equal(1.0, progress[i][^1], 3);
        }
    }

    [Fact]
    public void ARepeatingPatternIsARunawayAndSpeechIsNot()
    {
        Assert.True(Qwen3Generator.Runaway(Enumerable.Repeat(5, 60).ToList()));
        Assert.True(Qwen3Generator.Runaway(Enumerable.Range(0, 60).Select(i => new[] { 1, 2, 3 }[i % 3]).ToList()));
        Assert.False(Qwen3Generator.Runaway(Enumerable.Repeat(5, 40).ToList())); // too short to judge
        Assert.False(Qwen3Generator.Runaway(Enumerable.Range(0, 60).Select(i => i * 7 % 31).ToList()));
        Assert.False(Qwen3Generator.Runaway(Enumerable.Range(0, 60).Select(i => i % 5).ToList())); // period 5 > 4
    }

    [Fact]
    public async Task StreamedChunksJoinToTheOneShotDecodeAtFrameBoundaries()
    {
        using var model = new Qwen3Model(TinyModel, Cpu, NullLogger.Instance);
        var prompt = new Qwen3Prompt(model, new Qwen3Tokenizer(TinyModel, model.Manifest)).Build("chunks", "en", null, new SpeakerCondition());
        // 30 frames exactly: end-of-speech held back until then, and the cap there.
        var frames = await CollectAsync(new Qwen3Generator(model).GenerateAsync(prompt, GenerationSettings.Greedy with { MinFrames = 30, MaxFrames = 30 }));
        Assert.Equal(30, frames.Count);
        var streamer = new CodecStreamer(model, firstChunk: 4, chunk: 12, context: 5);

        var chunks = new List<float[]>();
        foreach (var frame in frames)
        {
            if (streamer.Add(frame) is { } audio)
            {
                chunks.Add(audio);
            }
        }
        chunks.Add(streamer.Flush());

        int perFrame = model.Manifest.SamplesPerFrame;
        Assert.Equal([4 * perFrame, 12 * perFrame, 12 * perFrame, 2 * perFrame], chunks.Select(c => c.Length));
        float[] oneShot = model.Decode(frames.SelectMany(f => f).ToArray(), frames.Count);
        Assert.Equal(oneShot, chunks.SelectMany(c => c).ToArray());
        Assert.Equal(frames.Count, streamer.EmittedFrames);
    }

    [Fact]
    public async Task ACloneKeepsItsSpeakerEmbeddingAndReferenceCodesAndSpeaksFromThem()
    {
        float[] reference = Enumerable.Range(0, 24_000 * 3).Select(i => 0.3f * MathF.Sin(i * 0.05f)).ToArray();

        var withText = await _engine.CreateVoiceAsync(new CloneVoiceSpec(reference, 24_000, "a reference", "en"), CancellationToken.None);
        var stored = JsonDocument.Parse(withText.Data).RootElement;
        Assert.Equal(16, stored.GetProperty("x_vector").GetArrayLength());
        int frames = (reference.Length + 12_000 + 1919) / 1920; // the reference plus half a second of silence, whole frames
        Assert.Equal(frames * 4, stored.GetProperty("reference_codes").GetArrayLength());
        Assert.Empty(withText.Notes);
        Assert.True((await SpeakAsync(withText, "The clone speaks.", GenerationSettings.Greedy)).Length > 0);

        var embeddingOnly = await _engine.CreateVoiceAsync(new CloneVoiceSpec(reference, 24_000, null, "en"), CancellationToken.None);
        Assert.False(JsonDocument.Parse(embeddingOnly.Data).RootElement.TryGetProperty("reference_codes", out _));
        Assert.Contains("speaker embedding only", Assert.Single(embeddingOnly.Notes));
        await Assert.ThrowsAsync<ArgumentException>(() => _engine.CreateVoiceAsync(new CloneVoiceSpec(reference, 16_000, null, "en"), CancellationToken.None));
    }

    [Fact]
    public async Task PresetsUseTheModelsSpeakersAndForeignOrBrokenRequestsAreRefused()
    {
        var preset = await _engine.CreateVoiceAsync(new PresetVoiceSpec("alloy", "en"), CancellationToken.None);
        Assert.Equal("vivian", JsonDocument.Parse(preset.Data).RootElement.GetProperty("speaker").GetString());
        var unmapped = await _engine.CreateVoiceAsync(new PresetVoiceSpec("onyx", "en"), CancellationToken.None); // uncle_fu is not in the tiny model: designed from its description
        Assert.Equal("design", JsonDocument.Parse(unmapped.Data).RootElement.GetProperty("mode").GetString());

        await Assert.ThrowsAsync<ArgumentException>(() => SpeakAsync(preset, "Hallo", GenerationSettings.Greedy, language: "xx"));
        var foreign = new VoicePrompt("espeak", VoiceMode.Preset, [1, 2, 3], "{}", [], "approximate");
        await Assert.ThrowsAsync<ArgumentException>(() => SpeakAsync(foreign, "Hello", GenerationSettings.Greedy));
    }

    [Fact]
    public async Task CancellationStopsGenerationBetweenFrames()
    {
        var voice = await _engine.CreateVoiceAsync(new DesignVoiceSpec("calm", "en"), CancellationToken.None);
        using var cts = new CancellationTokenSource();
        int chunks = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            var longer = GenerationSettings.Greedy with { MinFrames = 40, MaxFrames = 60 }; // several chunks, whatever the tiny model's end-of-speech
            await foreach (var _ in _engine.SynthesizeAsync(new SynthesisRequest("A sentence that would go on.", "en", voice), longer, cts.Token))
            {
                chunks++;
                await cts.CancelAsync();
            }
        });
        Assert.Equal(1, chunks);
        // The engine is free again afterwards.
        Assert.True((await SpeakAsync(voice, "Again.", GenerationSettings.Greedy)).Length > 0);
    }

    [Fact]
    public void TheSamplerFollowsItsSettings()
    {
        var sampler = new Qwen3Sampler(4, new Random(1));
        float[] logits = [1f, 3f, 2f, 0f];
        var greedy = new SamplingSettings(0, 0, 1);

        Assert.Equal(1, sampler.Sample(logits, greedy));
        Assert.Equal(2, sampler.Sample(logits, greedy with { RepetitionPenalty = 2f }, penalised: [1])); // 3/2 < 2
        Assert.Equal(2, sampler.Sample(logits, greedy, allowed: id => id != 1));
        Assert.Equal(1, sampler.Sample(logits, new SamplingSettings(1, TopK: 1, TopP: 1))); // top-1 is greedy

        // Temperature 1 over logits [0, ln 3]: token 1 three times as likely as token 0.
        var two = new Qwen3Sampler(2, new Random(42));
        int ones = Enumerable.Range(0, 8_000).Count(_ => two.Sample([0f, MathF.Log(3)], new SamplingSettings(1, 0, 1)) == 1);
        Assert.InRange(ones / 8_000.0, 0.73, 0.77);
        // top-p 0.5 keeps only the most likely token.
        Assert.All(Enumerable.Range(0, 200), _ => Assert.Equal(1, two.Sample([0f, MathF.Log(3)], new SamplingSettings(1, 0, 0.5f))));
    }

    private async Task<float[]> SpeakAsync(VoicePrompt voice, string text, GenerationSettings settings, string language = "en")
    {
        var samples = new List<float>();
        await foreach (var chunk in _engine.SynthesizeAsync(new SynthesisRequest(text, language, voice), settings, CancellationToken.None))
        {
            Assert.Equal(24_000, chunk.SampleRate);
            samples.AddRange(chunk.Samples.Span);
        }
        return [.. samples];
    }

    private static async Task<List<long[]>> CollectAsync(IAsyncEnumerable<long[]> frames)
    {
        var list = new List<long[]>();
        await foreach (var frame in frames)
        {
            list.Add(frame);
        }
        return list;
    }

    private string CopyTinyModel()
    {
        string directory = Path.Combine(Path.GetTempPath(), "qwen3-tiny-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        foreach (string file in Directory.GetFiles(TinyModel))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        }
        _temporary.Add(directory);
        return directory;
    }
}
