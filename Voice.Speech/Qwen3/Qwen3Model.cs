using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Voice.Speech.Qwen3;

/// <summary>
/// The loaded graphs of one model directory and typed calls into them. Loading checks every graph against the
/// manifest (each declared input and output exists, with the declared element type and rank), so a wrong or
/// partial export fails at start-up with the graph and tensor named, not at the first request.
/// Embeddings cross between graphs as float32 on the host (a few KB per step) and are converted to the element
/// type each graph declares (float16 for the exported talker and code predictor); KV caches never leave the device.
/// </summary>
public sealed class Qwen3Model : IDisposable
{
    private readonly Dictionary<string, InferenceSession> _sessions = [];
    private readonly OrtMemoryInfo _deviceMemory;
    private readonly RunOptions _run = new();

    public Qwen3Manifest Manifest { get; }

    public string Directory { get; }

    /// <summary>The execution provider the sessions run on: <c>cuda</c> or <c>cpu</c>.</summary>
    public string Provider { get; }

    public int Hidden => Manifest.HiddenSize;

    public Qwen3Model(string directory, OnnxProviderOptions options, ILogger logger)
    {
        Directory = directory;
        Manifest = Qwen3Manifest.Load(directory);
        var (sessionOptions, provider) = OnnxProvider.Create(options, logger);
        Provider = provider;
        _deviceMemory = provider == OnnxProvider.Cuda
            ? new OrtMemoryInfo("Cuda", OrtAllocatorType.DeviceAllocator, options.DeviceId, OrtMemType.Default)
            : OrtMemoryInfo.DefaultInstance;
        try
        {
            using (sessionOptions)
            {
                foreach (var (name, spec) in Manifest.Graphs)
                {
                    if (!Qwen3Manifest.RequiredGraphs.ContainsKey(name) && !Qwen3Manifest.CloneGraphs.ContainsKey(name))
                    {
                        continue;
                    }
                    string path = Path.Combine(directory, spec.File);
                    InferenceSession session;
                    try
                    {
                        session = new InferenceSession(path, sessionOptions);
                    }
                    catch (OnnxRuntimeException ex)
                    {
                        throw new Qwen3ModelException($"graph '{name}' ({spec.File}) does not load: {ex.Message}", ex);
                    }
                    _sessions[name] = session;
                    Check(name, spec, session);
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public bool Has(string graph) => _sessions.ContainsKey(graph);

    private static void Check(string name, GraphSpec spec, InferenceSession session)
    {
        void Compare(string side, IReadOnlyDictionary<string, NodeMetadata> actual, Dictionary<string, TensorSpec> declared)
        {
            foreach (var (tensor, want) in declared)
            {
                if (!actual.TryGetValue(tensor, out var meta))
                {
                    throw new Qwen3ModelException($"graph '{name}' ({spec.File}) has no {side} '{tensor}' (it has: {string.Join(", ", actual.Keys)}).");
                }
                string type = TypeName(meta.ElementDataType);
                if (type != want.DType)
                {
                    throw new Qwen3ModelException($"graph '{name}' ({spec.File}): {side} '{tensor}' is {type}, the manifest says {want.DType}.");
                }
                if (meta.Dimensions.Length != want.Shape.Length)
                {
                    throw new Qwen3ModelException($"graph '{name}' ({spec.File}): {side} '{tensor}' has rank {meta.Dimensions.Length}, the manifest says {want.Shape.Length}.");
                }
            }
        }
        Compare("input", session.InputMetadata, spec.Inputs);
        Compare("output", session.OutputMetadata, spec.Outputs);
    }

    private static string TypeName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Float16 => "float16",
        TensorElementType.Int64 => "int64",
        _ => type.ToString().ToLowerInvariant(),
    };

    private InferenceSession Session(string graph) =>
        _sessions.TryGetValue(graph, out var session) ? session : throw new Qwen3ModelException($"graph '{graph}' is not loaded (the model's variant does not have it).");

    /// <summary>text ids → [T·H] (token embedding and projection).</summary>
    public float[] TextEmbed(ReadOnlySpan<long> ids) => EmbedIds("text_embed", "input_ids", ids);

    /// <summary>talker codec ids (codes, control tokens, speaker ids) → [T·H].</summary>
    public float[] CodecEmbed(ReadOnlySpan<long> ids) => EmbedIds("codec_embed", "codec_ids", ids);

    /// <summary>frames of all codebooks [T·Q] → [T·H]: the sum of the codebooks' embeddings, a frame's input to the talker.</summary>
    public float[] FrameEmbed(ReadOnlySpan<long> codes, int frames, int batch = 1)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(codes.ToArray(), [batch, frames, Manifest.Codebooks]);
        return RunOne("frame_embed", ["codes"], [input], "embeds");
    }

    /// <summary>Codes of residual codebook <paramref name="step"/> + 1, one per batch row → their code-predictor embeddings [B·H].</summary>
    public float[] CodePredictorEmbed(long[] code, long step)
    {
        using var codes = OrtValue.CreateTensorValueFromMemory(code, [code.Length, 1]);
        using var index = OrtValue.CreateTensorValueFromMemory(new[] { step }, []);
        return RunOne("code_predictor_embed", ["codes", "step"], [codes, index], "embeds");
    }

    /// <summary>Codes [T·Q] → T × samples_per_frame samples.</summary>
    public float[] Decode(ReadOnlySpan<long> codes, int frames)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(codes.ToArray(), [1, frames, Manifest.Codebooks]);
        return RunOne("codec_decode", ["codes"], [input], "audio");
    }

    /// <summary>24 kHz mono audio (length a multiple of samples_per_frame) → codes [T·Q].</summary>
    public long[] Encode(float[] audio)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(audio, [1, audio.Length]);
        using var outputs = Session("codec_encode").Run(_run, ["audio"], [input], ["codes"]);
        return outputs[0].GetTensorDataAsSpan<long>().ToArray();
    }

    /// <summary>24 kHz mono audio → the speaker's x-vector [H].</summary>
    public float[] SpeakerEmbedding(float[] audio)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(audio, [1, audio.Length]);
        return RunOne("speaker_encoder", ["audio"], [input], "xvector");
    }

    private float[] EmbedIds(string graph, string input, ReadOnlySpan<long> ids)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(ids.ToArray(), [1, ids.Length]);
        return RunOne(graph, [input], [value], "embeds");
    }

    private float[] RunOne(string graph, string[] names, OrtValue[] inputs, string output)
    {
        using var outputs = Session(graph).Run(_run, names, inputs, [output]);
        return ReadFloats(outputs[0]);
    }

    /// <summary>Starts a decoder's KV cache for <paramref name="batch"/> rows: empty (past length 0) tensors of the declared element type.</summary>
    public KvCache NewCache(string graph, int batch = 1)
    {
        var session = Session(graph);
        var stack = graph == "talker" ? Manifest.Talker : Manifest.CodePredictor;
        var names = Enumerable.Range(0, stack.Layers).SelectMany(i => new[] { $"past_key_values.{i}.key", $"past_key_values.{i}.value" }).ToArray();
        var missing = names.FirstOrDefault(n => !session.InputMetadata.ContainsKey(n));
        if (missing is not null)
        {
            throw new Qwen3ModelException($"graph '{graph}' has no input '{missing}' for its {stack.Layers} layers' cache.");
        }
        var type = session.InputMetadata[names[0]].ElementDataType;
        var values = names.Select(_ => OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, [batch, stack.KvHeads, 0, stack.HeadDim])).ToArray();
        return new KvCache(names, [.. names.Select(n => n.Replace("past_key_values.", "present.", StringComparison.Ordinal))], values, batch);
    }

    /// <summary>
    /// One talker pass over <paramref name="embeds"/> ([S·H], S ≥ 1: the whole prompt on the first call, one frame
    /// afterwards), appending to the cache: the next frame's codebook-0 logits and the last hidden state.
    /// </summary>
    public (float[] Logits, float[] Hidden) Talker(KvCache cache, float[] embeds)
    {
        int s = embeds.Length / Hidden;
        long[] mask = new long[cache.Length + s];
        Array.Fill(mask, 1L);
        long[] positions = [.. Enumerable.Range(cache.Length, s).Select(p => (long)p)];
        return Talker(cache, embeds, mask, positions);
    }

    /// <summary>
    /// A batched talker pass: <paramref name="embeds"/> [B·S·H], the attention mask over past and new positions
    /// [B·(P+S)] (0 where a row is left-padded) and each row's position ids [B·S]; answers logits [B·V] and hidden [B·H].
    /// </summary>
    public (float[] Logits, float[] Hidden) Talker(KvCache cache, float[] embeds, long[] attentionMask, long[] positionIds)
    {
        int b = cache.Batch, s = embeds.Length / (Hidden * b);
        var session = Session("talker");
        using var inputsEmbeds = CreateFloats(embeds, [b, s, Hidden], session.InputMetadata["inputs_embeds"].ElementDataType);
        using var attention = OrtValue.CreateTensorValueFromMemory(attentionMask, [b, attentionMask.Length / b]);
        using var position = OrtValue.CreateTensorValueFromMemory(positionIds, [b, s]);
        var outputs = Step(session, cache, [("inputs_embeds", inputsEmbeds), ("attention_mask", attention), ("position_ids", position)], ["logits", "last_hidden"], s);
        return (outputs[0], outputs[1]);
    }

    /// <summary>One code-predictor pass over [B·S·H]: logits [B·codebook_size] of residual head <paramref name="step"/>.</summary>
    public float[] CodePredictor(KvCache cache, float[] embeds, long step)
    {
        int b = cache.Batch, s = embeds.Length / (Hidden * b);
        var session = Session("code_predictor");
        using var inputsEmbeds = CreateFloats(embeds, [b, s, Hidden], session.InputMetadata["inputs_embeds"].ElementDataType);
        using var generationStep = OrtValue.CreateTensorValueFromMemory(new[] { step }, []);
        return Step(session, cache, [("inputs_embeds", inputsEmbeds), ("generation_step", generationStep)], ["logits"], s)[0];
    }

    /// <summary>
    /// Runs a cached decoder step through an IO binding: the past tensors go in as they are, the present tensors are
    /// bound to device memory and become the next past (no host copy of the cache); only the small outputs come to the host.
    /// </summary>
    private float[][] Step(InferenceSession session, KvCache cache, (string Name, OrtValue Value)[] inputs, string[] hostOutputs, int added)
    {
        using var binding = session.CreateIoBinding();
        foreach (var (name, value) in inputs)
        {
            binding.BindInput(name, value);
        }
        for (int i = 0; i < cache.PastNames.Length; i++)
        {
            binding.BindInput(cache.PastNames[i], cache.Values[i]);
        }
        foreach (string name in hostOutputs)
        {
            binding.BindOutputToDevice(name, OrtMemoryInfo.DefaultInstance);
        }
        foreach (string name in cache.PresentNames)
        {
            binding.BindOutputToDevice(name, _deviceMemory);
        }
        var outputs = session.RunWithBoundResults(_run, binding);
        try
        {
            var results = new float[hostOutputs.Length][];
            for (int i = 0; i < hostOutputs.Length; i++)
            {
                results[i] = ReadFloats(outputs[i]);
            }
            var presents = new OrtValue[cache.PresentNames.Length];
            for (int i = 0; i < presents.Length; i++)
            {
                presents[i] = outputs[hostOutputs.Length + i];
            }
            cache.Advance(presents, added);
            for (int i = 0; i < hostOutputs.Length; i++)
            {
                outputs[i].Dispose();
            }
            return results;
        }
        catch
        {
            outputs.Dispose();
            throw;
        }
    }

    private static OrtValue CreateFloats(float[] data, long[] shape, TensorElementType type)
    {
        if (type == TensorElementType.Float)
        {
            return OrtValue.CreateTensorValueFromMemory(data, shape);
        }
        var half = new Float16[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            half[i] = (Float16)data[i];
        }
        return OrtValue.CreateTensorValueFromMemory(half, shape);
    }

    private static float[] ReadFloats(OrtValue value)
    {
        var type = value.GetTensorTypeAndShape().ElementDataType;
        if (type == TensorElementType.Float)
        {
            return value.GetTensorDataAsSpan<float>().ToArray();
        }
        var half = value.GetTensorDataAsSpan<Float16>();
        var result = new float[half.Length];
        for (int i = 0; i < half.Length; i++)
        {
            result[i] = (float)half[i];
        }
        return result;
    }

    public void Dispose()
    {
        foreach (var session in _sessions.Values)
        {
            session.Dispose();
        }
        _sessions.Clear();
        _run.Dispose();
    }
}

/// <summary>A decoder's key/value cache: one tensor per layer and kind, kept where the provider put it, replaced by each step's presents.</summary>
public sealed class KvCache(string[] pastNames, string[] presentNames, OrtValue[] values, int batch = 1) : IDisposable
{
    public int Batch { get; } = batch;

    public string[] PastNames { get; } = pastNames;

    public string[] PresentNames { get; } = presentNames;

    public OrtValue[] Values { get; private set; } = values;

    /// <summary>Positions held (the past length the next step sees).</summary>
    public int Length { get; private set; }

    internal void Advance(OrtValue[] presents, int added)
    {
        foreach (var old in Values)
        {
            old.Dispose();
        }
        Values = presents;
        Length += added;
    }

    public void Dispose()
    {
        foreach (var value in Values)
        {
            value.Dispose();
        }
        Values = [];
    }
}
