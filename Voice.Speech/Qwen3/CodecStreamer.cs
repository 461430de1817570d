namespace Voice.Speech.Qwen3;

/// <summary>
/// Turns frames into audio as they come: the first chunk after <c>firstChunk</c> frames (so the first audio leaves
/// early), then every <c>chunk</c> frames, each decoded with up to <c>context</c> frames before it whose samples are
/// dropped (the decoder is causal: with enough left context a chunk's samples match a one-shot decode). Frames
/// given at the start (an in-context clone's reference) serve as context only and are never emitted.
/// </summary>
public sealed class CodecStreamer
{
    private readonly Qwen3Model _model;
    private readonly int _firstChunk, _chunk, _context, _codebooks, _samplesPerFrame;
    private readonly List<long> _codes = [];
    private int _frames, _emitted;

    /// <summary>Left context frames per chunk (README, "Qwen3-TTS": streamed against whole decodes of the reference fixtures).</summary>
    public const int DefaultContext = 25;

    public CodecStreamer(Qwen3Model model, long[]? leadingContext = null, int firstChunk = 4, int chunk = 12, int context = DefaultContext)
    {
        _model = model;
        (_firstChunk, _chunk, _context) = (Math.Max(1, firstChunk), Math.Max(1, chunk), Math.Max(0, context));
        _codebooks = model.Manifest.Codebooks;
        _samplesPerFrame = model.Manifest.SamplesPerFrame;
        if (leadingContext is { Length: > 0 })
        {
            int keep = Math.Min(_context, leadingContext.Length / _codebooks);
            _codes.AddRange(leadingContext[^(keep * _codebooks)..]);
            _frames = _emitted = keep;
        }
    }

    /// <summary>Frames emitted so far (not counting leading context).</summary>
    public int EmittedFrames { get; private set; }

    /// <summary>Adds a frame; answers the audio of a finished chunk, or nothing yet.</summary>
    public float[]? Add(long[] frame)
    {
        _codes.AddRange(frame);
        _frames++;
        int pending = _frames - _emitted;
        return pending >= (EmittedFrames == 0 ? _firstChunk : _chunk) ? DecodePending() : null;
    }

    /// <summary>The audio of the frames not yet emitted (at the end of an utterance).</summary>
    public float[] Flush() => _frames > _emitted ? DecodePending() : [];

    private float[] DecodePending()
    {
        int start = Math.Max(0, _emitted - _context);
        int count = _frames - start;
        float[] audio = _model.Decode(_codes.GetRange(start * _codebooks, count * _codebooks).ToArray(), count);
        int skip = (_emitted - start) * _samplesPerFrame;
        EmittedFrames += _frames - _emitted;
        _emitted = _frames;
        // Drop what can no longer serve as context.
        int drop = Math.Max(0, _frames - _context);
        if (drop > 0)
        {
            _codes.RemoveRange(0, drop * _codebooks);
            _frames -= drop;
            _emitted -= drop;
        }
        return audio[skip..];
    }
}
