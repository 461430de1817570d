using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Voice.Speech.Engines;
using Voice.Speech.Qwen3;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Speech;

/// <summary>
/// The Qwen3-TTS engine's machinery beyond what the official replays cover — loading and refusing model directories,
/// caches, seeded sampling, batching, voices, presets, cancellation — on the random-weight reference models
/// (<see cref="Qwen3ReferenceModels"/>: VoiceDesign, CustomVoice and Base exports of the real architecture).
/// Their audio is not speech: these tests check the machinery, not the voice.
/// </summary>
public sealed class Qwen3EngineTests(Qwen3ReferenceModels models) : IClassFixture<Qwen3ReferenceModels>, IDisposable
{
    /// <summary>The hand-made model with all three modes at once and speech-shaped stops (the contract and worker tests use it).</summary>
    public static readonly string TinyModel = Path.Combine(RepositoryPaths.Root, "Voice.Tests", "Speech", "Fixtures", "qwen3-tiny");
    private static readonly OnnxProviderOptions Cpu = new("cpu");
    private readonly List<string> _temporary = [];

    private Qwen3Engine Design => models.Engines["voice_design"];

    private Qwen3Engine Presets => models.Engines["custom_voice"];

    private Qwen3Engine Clones => models.Engines["base"];

    public void Dispose()
    {
        foreach (string directory in _temporary)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void EachModelDescribesItselfFromItsManifest()
    {
        Assert.Equal("cpu", Design.Provider);
        Assert.Equal("qwen3-onnx", Design.Name);
        Assert.Equal([VoiceMode.Design], Design.Capabilities.Modes);
        Assert.Equal([VoiceMode.Preset], Presets.Capabilities.Modes);
        Assert.Equal([VoiceMode.Clone], Clones.Capabilities.Modes);
        Assert.Equal(SpeechLanguages.All.Order(), Design.Capabilities.Languages.Order());
        Assert.Equal(24_000, Design.Capabilities.SampleRate);
        using var fromConfiguration = (Qwen3Engine)SpeechEngineFactory.Create(
            new SpeechOptions { Engine = SpeechEngines.Qwen3, ModelDirectory = Qwen3ReferenceModels.ModelDirectory("custom_voice"), Provider = "auto" });
        Assert.Equal("custom_voice", fromConfiguration.Model);
        Assert.Equal("cpu", fromConfiguration.Provider); // "auto" fell back: the test build has the CPU package only
    }

    [Fact]
    public void AskingForCudaWhereThereIsNoneFailsClearly()
    {
        var error = Assert.Throws<Qwen3ModelException>(() => new Qwen3Model(Qwen3ReferenceModels.ModelDirectory("voice_design"), new OnnxProviderOptions("cuda"), NullLogger.Instance));
        Assert.Contains("CUDA execution provider could not load", error.Message);
        Assert.Throws<Qwen3ModelException>(() => SpeechEngineFactory.Create(new SpeechOptions { Engine = SpeechEngines.Qwen3 }));
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
        string directory = CopyModel("voice_design");
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
                talker["outputs"]!["hidden_states"] = JsonNode.Parse("""{"dtype":"float32","shape":["batch",32]}""");
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
        var model = Design.Graphs;
        var manifest = model.Manifest;
        var prompt = new Qwen3Prompt(model, Design.Tokenizer).Build("The cache grows.", "en", null, new SpeakerCondition(), streamingText: false);
        int length = prompt.Embeds.Length / model.Hidden;
        using var cache = model.NewCache("talker");

        var (logits, hidden) = model.Talker(cache, prompt.Embeds);
        Assert.Equal(length, cache.Length);
        Assert.Equal([1, manifest.Talker.KvHeads, length, manifest.Talker.HeadDim], cache.Values[0].GetTensorTypeAndShape().Shape);
        Assert.Equal(manifest.Talker.VocabSize, logits.Length);
        Assert.Equal(model.Hidden, hidden.Length);

        var (next, _) = model.Talker(cache, model.FrameEmbed(new long[manifest.Codebooks], 1));
        Assert.Equal(length + 1, cache.Length);
        Assert.Equal([1, manifest.Talker.KvHeads, length + 1, manifest.Talker.HeadDim], cache.Values[^1].GetTensorTypeAndShape().Shape);
        Assert.NotEqual(logits, next); // the new position and the grown cache changed the answer
    }

    [Fact]
    public void PromptLayoutsFollowTheVoiceAndTheTextMode()
    {
        var model = Presets.Graphs;
        var builder = new Qwen3Prompt(model, Presets.Tokenizer);
        int text = Presets.Tokenizer.Target("Layout.")[3..^5].Length; // the official slice of the template (the cut test vocabulary splits "assistant")
        int Rows(PromptEmbeddings p) => p.Embeds.Length / model.Hidden;
        int ryan = model.Manifest.Speakers["ryan"], eric = model.Manifest.Speakers["eric"];

        // role 3 + [think, think_bos, language, think_eos] + speaker + pad, then the text over codec pad, tts_eos, bos.
        Assert.Equal(3 + 4 + 1 + 1 + text + 2, Rows(builder.Build("Layout.", "en", null, new SpeakerCondition(ryan), streamingText: false)));
        // auto: [nothink, think_bos, think_eos]; a dialect speaker turns Chinese and auto into its dialect (the think form).
        Assert.Equal(3 + 3 + 1 + 1 + text + 2, Rows(builder.Build("Layout.", "auto", null, new SpeakerCondition(ryan), streamingText: false)));
        var dialect = new SpeakerCondition(eric, DialectId: model.Manifest.DialectOf("eric"));
        Assert.Equal(3 + 4 + 1 + 1 + text + 2, Rows(builder.Build("Layout.", "auto", null, dialect, streamingText: false)));
        Assert.NotEqual(builder.Build("Layout.", "zh", null, dialect, streamingText: false).Embeds,
            builder.Build("Layout.", "zh", null, new SpeakerCondition(eric), streamingText: false).Embeds);
        Assert.Equal(builder.Build("Layout.", "en", null, dialect, streamingText: false).Embeds,
            builder.Build("Layout.", "en", null, new SpeakerCondition(eric), streamingText: false).Embeds); // English keeps English
        // streamed text: only the first token is in the prompt, the rest and tts_eos come one per frame.
        var streamed = builder.Build("Layout.", "en", null, new SpeakerCondition(ryan), streamingText: true);
        Assert.Equal(3 + 4 + 1 + 1 + 1, Rows(streamed));
        Assert.Equal(text * model.Hidden, streamed.Trailing.Length);
    }

    [Fact]
    public async Task AFixedSeedRepeatsExactlyAndAnotherSeedDiffers()
    {
        var voice = await Design.CreateVoiceAsync(new DesignVoiceSpec("a calm narrator", "en"), CancellationToken.None);
        var settings = GenerationSettings.From(Design.Graphs.Manifest.Generation, seed: 7) with { MaxFrames = 20 };

        float[] first = await SpeakAsync(Design, voice, "Seeded speech is repeatable.", settings);
        float[] again = await SpeakAsync(Design, voice, "Seeded speech is repeatable.", settings);
        float[] other = await SpeakAsync(Design, voice, "Seeded speech is repeatable.", settings with { Seed = 8 });

        Assert.True(first.Length > 0);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public async Task ADesignsVariantIsTheSeedItsVoiceSpeaksWithUnlessTheRequestNamesOne()
    {
        var unseeded = GenerationSettings.From(Design.Graphs.Manifest.Generation) with { MaxFrames = 20 };
        var first = await Design.CreateVoiceAsync(new DesignVoiceSpec("a calm narrator", "en", Variant: 41), CancellationToken.None);
        var second = await Design.CreateVoiceAsync(new DesignVoiceSpec("a calm narrator", "en", Variant: 42), CancellationToken.None);
        const string Text = "Which candidate do you like?";

        float[] a = await SpeakAsync(Design, new SynthesisRequest(Text, "en", first), unseeded);
        float[] again = await SpeakAsync(Design, new SynthesisRequest(Text, "en", first), unseeded);
        float[] b = await SpeakAsync(Design, new SynthesisRequest(Text, "en", second), unseeded);
        float[] seeded = await SpeakAsync(Design, new SynthesisRequest(Text, "en", first, Seed: 42), unseeded);

        Assert.True(a.Length > 0);
        Assert.Equal(a, again);
        Assert.NotEqual(a, b);
        Assert.Equal(b, seeded); // a request's own seed takes the variant's place
        Assert.Equal(41, JsonDocument.Parse(first.AnalysisJson).RootElement.GetProperty("seed").GetInt32());
    }

    [Fact]
    public async Task ARequestsOwnSeedRepeatsItsSamplingAloneAndInABatch()
    {
        var voice = await Design.CreateVoiceAsync(new DesignVoiceSpec("a calm narrator", "en"), CancellationToken.None);
        var unseeded = GenerationSettings.From(Design.Graphs.Manifest.Generation) with { MaxFrames = 20 };
        var seven = new SynthesisRequest("Seeded speech is repeatable.", "en", voice, Seed: 7);

        float[] first = await SpeakAsync(Design, seven, unseeded);
        float[] again = await SpeakAsync(Design, seven, unseeded);
        float[] other = await SpeakAsync(Design, seven with { Seed = 8 }, unseeded);
        var batched = new[] { new List<float>(), new List<float>() };
        await foreach (var (index, chunk) in Design.SynthesizeBatchAsync([seven with { Seed = 8 }, seven], unseeded, CancellationToken.None))
        {
            batched[index].AddRange(chunk.Samples.Span);
        }

        Assert.True(first.Length > 0);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Equal(other, batched[0].ToArray());
        Assert.Equal(first, batched[1].ToArray());
    }

    [Theory]
    [InlineData(0, 12)]
    [InlineData(2, 4)]
    [InlineData(4, 1)]
    [InlineData(null, 4)]
    public async Task OptimizeStreamingLatencySetsTheFramesOfTheFirstChunk(int? level, int frames)
    {
        var voice = await Presets.CreateVoiceAsync(new PresetVoiceSpec("alloy", "en"), CancellationToken.None);
        var settings = GenerationSettings.Greedy(Presets.Graphs.Manifest.Generation) with { MinFrames = 20, MaxFrames = 20 };
        var request = new SynthesisRequest("The first chunk leaves early.", "en", voice, StreamingLatency: level);

        var chunks = new List<float[]>();
        await foreach (var chunk in Presets.SynthesizeAsync(request, settings, CancellationToken.None))
        {
            chunks.Add(chunk.Samples.ToArray());
        }

        Assert.Equal(frames * Presets.Graphs.Manifest.SamplesPerFrame, chunks[0].Length);
        Assert.Equal(await SpeakAsync(Presets, voice, request.Text, settings), chunks.SelectMany(c => c).ToArray(), new ToleranceComparer(1e-4f));
    }

    [Fact]
    public async Task GenerationStopsAtEndOfSpeechOrAtTheFrameLimit()
    {
        var model = Design.Graphs;
        var greedy = GenerationSettings.Greedy(model.Manifest.Generation) with { StopRunaways = false };
        var generator = new Qwen3Generator(model);
        var prompt = new Qwen3Prompt(model, Design.Tokenizer).Build("Hello there. This voice was designed from a description.", "en",
            "A warm, low-pitched male narrator speaking slowly.", new SpeakerCondition(), streamingText: false);

        var ended = new GenerationTimings();
        var frames = await CollectAsync(generator.GenerateAsync(prompt, greedy with { MaxFrames = 200 }, ended));
        Assert.Equal(StopReason.EndOfSpeech, ended.Stop); // this random model ends this text by itself (the official run does too)
        Assert.InRange(frames.Count, 2, 199);
        Assert.All(frames, f => Assert.All(f, c => Assert.InRange(c, 0, model.Manifest.CodebookSize - 1))); // only codes, never control ids

        var capped = new GenerationTimings();
        var few = await CollectAsync(generator.GenerateAsync(prompt, greedy with { MaxFrames = 3 }, capped));
        Assert.Equal(StopReason.FrameLimit, capped.Stop);
        Assert.Equal(frames.Take(3).SelectMany(f => f), few.SelectMany(f => f)); // greedy: the same first frames

        int maxNewTokens = model.Manifest.Generation.MaxNewTokens;
        Assert.Equal(75, generator.FrameLimit(1, greedy));
        Assert.Equal(600, generator.FrameLimit(100, greedy));
        Assert.Equal(maxNewTokens - 1, generator.FrameLimit(100_000, greedy)); // the official loop's last token gets no frame
    }

    [Fact]
    public async Task ABatchOfDifferentLengthsGeneratesWhatEachRowGeneratesAlone()
    {
        var model = Presets.Graphs;
        var builder = new Qwen3Prompt(model, Presets.Tokenizer);
        var generator = new Qwen3Generator(model);
        var speakers = model.Manifest.Speakers;
        // Different lengths (so the batch is left-padded and masked), speakers, an instruction and a streamed text.
        PromptEmbeddings[] prompts =
        [
            builder.Build("A.", "en", null, new SpeakerCondition(speakers["ryan"]), streamingText: false),
            builder.Build("A much longer sentence than the first one.", "de", null, new SpeakerCondition(speakers["sohee"]), streamingText: true),
            builder.Build("Middle length.", "en", "calm", new SpeakerCondition(speakers["vivian"]), streamingText: false),
        ];
        Assert.Equal(3, prompts.Select(p => p.Embeds.Length).Distinct().Count());

        foreach (var settings in new[] { GenerationSettings.Greedy(model.Manifest.Generation), GenerationSettings.From(model.Manifest.Generation, seed: 11) })
        {
            var bounded = settings with { MaxFrames = 24 };
            var alone = new List<long[]>[prompts.Length];
            for (int i = 0; i < prompts.Length; i++)
            {
                alone[i] = await CollectAsync(generator.GenerateAsync(prompts[i], bounded));
            }
            var together = Enumerable.Range(0, prompts.Length).Select(_ => new List<long[]>()).ToArray();
            await foreach (var (row, frame) in generator.GenerateBatchAsync(prompts, bounded))
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
        var voice = await Presets.CreateVoiceAsync(new PresetVoiceSpec("alloy", "en"), CancellationToken.None);
        var settings = GenerationSettings.Greedy(Presets.Graphs.Manifest.Generation) with { MaxFrames = 30 };
        SynthesisRequest[] requests =
        [
            new("One sentence only.", "en", voice),
            new("Two sentences here. The second one is longer than the first.", "en", voice),
            new("Three. Short. Ones.", "en", voice),
        ];
        var batched = requests.Select(_ => new List<float>()).ToArray();
        var progress = requests.Select(_ => new List<double>()).ToArray();
        await foreach (var (index, chunk) in Presets.SynthesizeBatchAsync(requests, settings, CancellationToken.None))
        {
            batched[index].AddRange(chunk.Samples.Span);
            progress[index].Add(chunk.Progress);
        }
        for (int i = 0; i < requests.Length; i++)
        {
            Assert.Equal(await SpeakAsync(Presets, voice, requests[i].Text, settings), batched[i].ToArray());
            Assert.Equal(progress[i].Order(), progress[i]); // never backwards
            Assert.Equal(1.0, progress[i][^1], 3);
        }
    }

    [Fact]
    public async Task AShortTextIsOneGenerationAndALongOneIsCutAtSentenceEnds()
    {
        var voice = await Design.CreateVoiceAsync(new DesignVoiceSpec("calm", "en"), CancellationToken.None);
        var settings = GenerationSettings.Greedy(Design.Graphs.Manifest.Generation) with { MaxFrames = 4 };
        string sentence = "This sentence has about a dozen tokens in it, give or take a few.";

        var shortTrace = (await Design.TraceAsync([new SynthesisRequest($"{sentence} {sentence} {sentence}", "en", voice)], settings, CancellationToken.None))[0];
        Assert.Single(shortTrace.Prompts); // as the official code: the whole text in one generation

        string longText = string.Join(" ", Enumerable.Repeat(sentence, 30)); // about 480 tokens
        var longTrace = (await Design.TraceAsync([new SynthesisRequest(longText, "en", voice)], settings, CancellationToken.None))[0];
        Assert.InRange(longTrace.Prompts.Count, 3, 6);
        Assert.All(longTrace.Prompts, p => Assert.InRange(p.TextTokens, 1, new Qwen3EngineOptions("", Cpu).MaxTextTokens));
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
    public async Task ACloneKeepsItsSpeakerEmbeddingAndReferenceCodesAndSpeaksFromThem()
    {
        float[] reference = Enumerable.Range(0, 24_000 * 2 + 7).Select(i => 0.3f * MathF.Sin(i * 0.05f)).ToArray();

        var withText = await Clones.CreateVoiceAsync(new CloneVoiceSpec(reference, 24_000, "a reference", "en"), CancellationToken.None);
        var stored = JsonDocument.Parse(withText.Data).RootElement;
        Assert.Equal(Clones.Graphs.Hidden, stored.GetProperty("x_vector").GetArrayLength());
        int frames = (reference.Length + 1919) / 1920; // every started frame of the reference, nothing added
        Assert.Equal(frames * 16, stored.GetProperty("reference_codes").GetArrayLength());
        Assert.Empty(withText.Notes);
        var settings = GenerationSettings.Greedy(Clones.Graphs.Manifest.Generation) with { MaxFrames = 8 };
        Assert.True((await SpeakAsync(Clones, withText, "The clone speaks.", settings)).Length > 0);

        var embeddingOnly = await Clones.CreateVoiceAsync(new CloneVoiceSpec(reference, 24_000, null, "en"), CancellationToken.None);
        Assert.False(JsonDocument.Parse(embeddingOnly.Data).RootElement.TryGetProperty("reference_codes", out _));
        Assert.Contains("speaker embedding only", Assert.Single(embeddingOnly.Notes));
        await Assert.ThrowsAsync<ArgumentException>(() => Clones.CreateVoiceAsync(new CloneVoiceSpec(reference, 16_000, null, "en"), CancellationToken.None));
        await Assert.ThrowsAsync<NotSupportedException>(() => Design.CreateVoiceAsync(new CloneVoiceSpec(reference, 24_000, null, "en"), CancellationToken.None));
    }

    [Fact]
    public async Task EachModelWarmsUpWithAVoiceItCanMake()
    {
        foreach (var engine in models.Engines.Values)
        {
            await engine.WarmUpAsync(CancellationToken.None); // a clone-only model must not try a preset
        }
    }

    [Theory]
    [InlineData("nova", "en", "vivian")] // no native English woman: a standard-Mandarin one
    [InlineData("coral", "en", "serena")] // presets of one gender spread over the speakers that qualify
    [InlineData("ash", "en", "ryan")]
    [InlineData("ballad", "en", "aiden")]
    [InlineData("nova", "ja", "ono_anna")]
    [InlineData("coral", "ko", "sohee")]
    [InlineData("echo", "zh", "uncle_fu")] // never a dialect speaker for a name that is not theirs
    [InlineData("marin", "en", "serena")] // OpenAI's newer voices take a speaker of their gender like the others
    [InlineData("marin", "ja", "ono_anna")]
    [InlineData("cedar", "en", "ryan")]
    [InlineData("cedar", "zh", "uncle_fu")]
    [InlineData("Eric", "en", "eric")] // native names are themselves
    [InlineData("dylan", "zh", "dylan")]
    public async Task PresetNamesMapToSpeakersByLanguageAndGender(string preset, string language, string speaker)
    {
        var voice = await Presets.CreateVoiceAsync(new PresetVoiceSpec(preset, language), CancellationToken.None);
        Assert.Equal(speaker, JsonDocument.Parse(voice.Data).RootElement.GetProperty("speaker").GetString());
        var gender = Qwen3Speakers.All.Single(s => s.Name == speaker).Gender;
        if (PresetVoices.Find(preset) is { Gender: not VoiceGender.Neutral } known)
        {
            Assert.Equal(known.Gender, gender);
        }
    }

    [Fact]
    public async Task APresetCarriesItsInstructionOnlyWhereTheModelFollowsOne()
    {
        var styled = await Presets.CreateVoiceAsync(new PresetVoiceSpec("vivian", "zh", "用开心的语气说"), CancellationToken.None);
        Assert.Equal("用开心的语气说", JsonDocument.Parse(styled.Data).RootElement.GetProperty("instruct").GetString());
        Assert.Empty(styled.Notes);

        string small = CopyModel("custom_voice");
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(small, Qwen3Manifest.FileName)))!;
        manifest["size"] = "0b6";
        File.WriteAllText(Path.Combine(small, Qwen3Manifest.FileName), manifest.ToJsonString());
        using var engine = new Qwen3Engine(new Qwen3EngineOptions(small, Cpu), NullLogger.Instance);
        var ignored = await engine.CreateVoiceAsync(new PresetVoiceSpec("vivian", "zh", "用开心的语气说"), CancellationToken.None);
        Assert.False(JsonDocument.Parse(ignored.Data).RootElement.TryGetProperty("instruct", out _));
        Assert.Contains("does not follow instructions", Assert.Single(ignored.Notes));

        // A design model renders a preset (and its instruction) as a description.
        var designed = await Design.CreateVoiceAsync(new PresetVoiceSpec("onyx", "en", "Whisper."), CancellationToken.None);
        Assert.EndsWith("Whisper.", JsonDocument.Parse(designed.Data).RootElement.GetProperty("instruct").GetString());
    }

    [Fact]
    public async Task ForeignOrBrokenRequestsAreRefused()
    {
        var preset = await Presets.CreateVoiceAsync(new PresetVoiceSpec("alloy", "en"), CancellationToken.None);
        var settings = GenerationSettings.Greedy(Presets.Graphs.Manifest.Generation) with { MaxFrames = 4 };
        await Assert.ThrowsAsync<ArgumentException>(() => SpeakAsync(Presets, preset, "Hallo", settings, language: "xx"));
        var foreign = new VoicePrompt("espeak", VoiceMode.Preset, [1, 2, 3], "{}", [], "approximate");
        await Assert.ThrowsAsync<ArgumentException>(() => SpeakAsync(Presets, foreign, "Hello", settings));
        await Assert.ThrowsAsync<NotSupportedException>(() => Presets.CreateVoiceAsync(new DesignVoiceSpec("calm", "en"), CancellationToken.None));
    }

    [Fact]
    public async Task CancellationStopsGenerationBetweenFrames()
    {
        var voice = await Design.CreateVoiceAsync(new DesignVoiceSpec("calm", "en"), CancellationToken.None);
        using var cts = new CancellationTokenSource();
        int chunks = 0;
        var longer = GenerationSettings.Greedy(Design.Graphs.Manifest.Generation) with { MinFrames = 40, MaxFrames = 60 }; // several chunks
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Design.SynthesizeAsync(new SynthesisRequest("A sentence that would go on.", "en", voice), longer, cts.Token))
            {
                chunks++;
                await cts.CancelAsync();
            }
        });
        Assert.Equal(1, chunks);
        // The engine is free again afterwards.
        Assert.True((await SpeakAsync(Design, voice, "Again.", longer with { MinFrames = 2, MaxFrames = 4 })).Length > 0);
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

    private static Task<float[]> SpeakAsync(Qwen3Engine engine, VoicePrompt voice, string text, GenerationSettings settings, string language = "en") =>
        SpeakAsync(engine, new SynthesisRequest(text, language, voice), settings);

    private static async Task<float[]> SpeakAsync(Qwen3Engine engine, SynthesisRequest request, GenerationSettings settings)
    {
        var samples = new List<float>();
        await foreach (var chunk in engine.SynthesizeAsync(request, settings, CancellationToken.None))
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

    private string CopyModel(string kind)
    {
        string directory = Path.Combine(Path.GetTempPath(), "qwen3-model-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        foreach (string file in Directory.GetFiles(Qwen3ReferenceModels.ModelDirectory(kind)))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        }
        _temporary.Add(directory);
        return directory;
    }

    /// <summary>Chunked decoding matches a decode of the same frames in other chunks to within float rounding.</summary>
    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
