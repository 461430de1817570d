using System.Text.Json;
using System.Text.Json.Nodes;

namespace Voice.ApiService.Security;

/// <summary>
/// On the OpenAI-compatible routes (<c>/v1/…</c>), rewrites every problem+json answer — whichever part of the
/// pipeline wrote it: authentication, the rate limiter, validation, quotas — into OpenAI's error shape
/// <c>{"error":{"message","type","param","code"}}</c> with the same status and headers (e.g. Retry-After), so
/// OpenAI's client libraries raise their usual exceptions. Successful answers pass through unbuffered.
/// </summary>
public sealed class OpenAiErrors(RequestDelegate next)
{
    /// <summary>Our field names as OpenAI's request names them.</summary>
    private static readonly Dictionary<string, string> Params = new(StringComparer.Ordinal)
    {
        ["text"] = "input",
        ["format"] = "response_format",
        ["instruct"] = "instructions",
    };

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1"))
        {
            await next(context);
            return;
        }
        var original = context.Response.Body;
        var body = new DeferredBody(context.Response, original);
        context.Response.Body = body;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        if (body.Captured is { } problem)
        {
            byte[] error = Translate(context.Response.StatusCode, problem.ToArray(), out string type);
            if (type == "insufficient_quota")
            {
                // OpenAI's clients honour Retry-After on a 429; until the quota resets would be weeks of sleep.
                // The reset time is in the message instead.
                context.Response.Headers.RetryAfter = default;
            }
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = error.Length;
            await original.WriteAsync(error, context.RequestAborted);
        }
    }

    private static byte[] Translate(int status, byte[] problemJson, out string errorType)
    {
        JsonNode? problem = null;
        try
        {
            problem = JsonNode.Parse(problemJson);
        }
        catch (JsonException)
        {
        }
        string typeUri = problem?["type"]?.GetValue<string>() ?? "";
        string code = typeUri[(typeUri.LastIndexOf("/problems/", StringComparison.Ordinal) is int i and >= 0 ? i + 10 : 0)..];
        string message = problem?["detail"]?.GetValue<string>() ?? problem?["title"]?.GetValue<string>() ?? "The request failed.";
        string? param = null;
        if (problem?["errors"] is JsonObject errors && errors.FirstOrDefault() is { Key: { } field, Value: JsonArray messages })
        {
            param = Params.GetValueOrDefault(field, field);
            message = $"{param}: {messages.FirstOrDefault()?.GetValue<string>()}";
        }
        (errorType, code) = (status, code) switch
        {
            (401, _) => ("invalid_request_error", "invalid_api_key"),
            (429, "quota-exceeded") => ("insufficient_quota", "insufficient_quota"),
            (429, _) => ("rate_limit_exceeded", code == "rate-limited" ? "rate_limit_exceeded" : code.Replace('-', '_')),
            ( >= 500, _) => ("server_error", code.Replace('-', '_')),
            _ => ("invalid_request_error", code.Replace('-', '_').Replace('/', '_')),
        };
        var error = new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = errorType, ["param"] = param, ["code"] = code },
        };
        return JsonSerializer.SerializeToUtf8Bytes(error);
    }

    /// <summary>Passes writes through, unless the answer is a problem document: then it keeps it for translation.</summary>
    private sealed class DeferredBody(HttpResponse response, Stream inner) : Stream
    {
        private bool _decided;

        public MemoryStream? Captured { get; private set; }

        private Stream Target()
        {
            if (!_decided)
            {
                _decided = true;
                if (response.StatusCode >= 400 && response.ContentType?.StartsWith("application/problem+json", StringComparison.Ordinal) == true)
                {
                    Captured = new MemoryStream();
                }
            }
            return Captured ?? inner;
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Target().Write(buffer, offset, count);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Target().WriteAsync(buffer, offset, count, cancellationToken);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            Target().WriteAsync(buffer, cancellationToken);

        public override void Flush()
        {
            if (Captured is null)
            {
                inner.Flush();
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Captured is null ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
