using System.Text.Json.Nodes;
using Voice.Audio.Encoding;
using Voice.Core.Jobs;

namespace Voice.ApiService.Submissions;

/// <summary>Where relayed audio goes: the response body as audio, or as OpenAI's speech events.</summary>
public abstract class SpeechSink(HttpResponse response, string format, Guid jobId)
{
    protected HttpResponse Response { get; } = response;

    protected string Format { get; } = format;

    public bool Started { get; private set; }

    public bool AudioSent { get; protected set; }

    /// <summary>Where the last word sent ends in the text (code points): later words are new.</summary>
    public int WordsEnd { get; protected set; }

    /// <summary>The sink for OpenAI's <c>stream_format</c>: <c>sse</c> events, else the audio itself.</summary>
    public static SpeechSink For(string? streamFormat, HttpResponse response, string format, Guid jobId, string input) =>
        streamFormat == "sse" ? new SseSink(response, format, jobId, input) : Audio(response, format, jobId);

    /// <summary>The audio itself, chunked, as the format's content type.</summary>
    public static SpeechSink Audio(HttpResponse response, string format, Guid jobId) => new AudioSink(response, format, jobId);

    public void Start()
    {
        Started = true;
        Response.Headers["X-Task-Id"] = jobId.ToString();
        Response.Headers.CacheControl = "no-store";
        OnStart();
    }

    protected abstract void OnStart();

    public abstract Task AudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken);

    /// <summary>Word timestamps (only asked for with SSE).</summary>
    public virtual Task WordsAsync(IReadOnlyList<WordTimestamp> words, CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task DoneAsync(Job job, CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task FailAsync(string detail, CancellationToken cancellationToken)
    {
        Response.HttpContext.Abort(); // audio cannot carry an error: the client sees a cut-off response
        return Task.CompletedTask;
    }
}

/// <summary>The audio itself, chunked (<c>stream_format: audio</c>).</summary>
internal sealed class AudioSink(HttpResponse response, string format, Guid jobId) : SpeechSink(response, format, jobId)
{
    protected override void OnStart() => Response.ContentType = AudioFormats.ContentType(Format);

    public override async Task AudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken)
    {
        AudioSent = true;
        await Response.Body.WriteAsync(audio, cancellationToken);
        await Response.Body.FlushAsync(cancellationToken);
    }
}

/// <summary>
/// OpenAI's speech events (<c>stream_format: sse</c>): <c>speech.audio.delta</c> with a base64 chunk, then
/// <c>speech.audio.done</c> with usage (input tokens are characters here; the audio's length is added), or
/// <c>error</c>. With word timestamps (our extension), <c>speech.audio.timestamps</c> events with the words
/// each new piece of audio speaks.
/// </summary>
internal sealed class SseSink(HttpResponse response, string format, Guid jobId, string input) : SpeechSink(response, format, jobId)
{
    protected override void OnStart()
    {
        Response.ContentType = "text/event-stream";
        Response.Headers["X-Accel-Buffering"] = "no";
    }

    public override Task AudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken)
    {
        AudioSent = true;
        return SendAsync(new JsonObject { ["type"] = "speech.audio.delta", ["audio"] = Convert.ToBase64String(audio.Span) }, cancellationToken);
    }

    public override Task WordsAsync(IReadOnlyList<WordTimestamp> words, CancellationToken cancellationToken)
    {
        if (words.Count == 0)
        {
            return Task.CompletedTask;
        }
        WordsEnd = Math.Max(WordsEnd, words[^1].EndChar);
        var list = new JsonArray();
        foreach (var w in WordTimestamps.Describe(input, words))
        {
            list.Add(new JsonObject { ["word"] = w.Word, ["start"] = w.Start, ["end"] = w.End, ["start_char"] = w.StartChar, ["end_char"] = w.EndChar });
        }
        return SendAsync(new JsonObject { ["type"] = "speech.audio.timestamps", ["words"] = list }, cancellationToken);
    }

    public override Task DoneAsync(Job job, CancellationToken cancellationToken)
    {
        int characters = JobAdmission.Characters(job.Spec.Text);
        return SendAsync(new JsonObject
        {
            ["type"] = "speech.audio.done",
            ["usage"] = new JsonObject
            {
                ["input_tokens"] = characters,
                ["output_tokens"] = 0,
                ["total_tokens"] = characters,
                ["characters"] = characters,
                ["audio_seconds"] = (job.Result?.DurationMs ?? 0) / 1000.0,
            },
        }, cancellationToken);
    }

    public override Task FailAsync(string detail, CancellationToken cancellationToken) =>
        SendAsync(new JsonObject
        {
            ["type"] = "error",
            ["error"] = new JsonObject { ["message"] = detail, ["type"] = "server_error", ["param"] = null, ["code"] = "synthesis_failed" },
        }, cancellationToken);

    private async Task SendAsync(JsonObject data, CancellationToken cancellationToken)
    {
        await Response.WriteAsync($"data: {data.ToJsonString()}\n\n", cancellationToken);
        await Response.Body.FlushAsync(cancellationToken);
    }
}
