using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Voice.Tests.Infrastructure;

/// <summary>A span as the services exported it: which service, its trace, identity, name, kind and attributes.</summary>
public sealed record ReceivedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind,
    IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<string> LinkedTraceIds);

/// <summary>
/// An OTLP/HTTP receiver in the test process: the services export their traces to it (http/protobuf, as any
/// collector would receive them) and tests read the spans back. Only traces are decoded — by a minimal
/// protobuf wire-format reader for the fields tests look at; metrics and logs are accepted and dropped.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public OtlpReceiver()
    {
        int port = FreePorts.Next();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Endpoint { get; }

    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    /// <summary>Waits until a span matching <paramref name="match"/> has arrived (exports are batched).</summary>
    public async Task<ReceivedSpan> WaitForAsync(Func<ReceivedSpan, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_spans.FirstOrDefault(match) is { } span)
            {
                return span;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No matching span within {timeout.TotalSeconds} s; received {_spans.Count}.");
            }
            await Task.Delay(100);
        }
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            try
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/traces")
                {
                    Decode(body.ToArray());
                }
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
            }
            catch (Exception)
            {
                context.Response.StatusCode = 400;
            }
            context.Response.Close();
        }
    }

    // ExportTraceServiceRequest: 1 resource_spans { 1 resource { 1 attributes }, 2 scope_spans { 2 spans } }
    private void Decode(byte[] request)
    {
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1).Select(f => f.Bytes))
        {
            var fields = Fields(resourceSpans).ToList();
            var resource = fields.FirstOrDefault(f => f.Number == 1).Bytes ?? [];
            var resourceAttributes = Attributes(Fields(resource).Where(f => f.Number == 1).Select(f => f.Bytes));
            string service = resourceAttributes.GetValueOrDefault("service.name", "");
            foreach (var scopeSpans in fields.Where(f => f.Number == 2).Select(f => f.Bytes))
            {
                foreach (var span in Fields(scopeSpans).Where(f => f.Number == 2).Select(f => f.Bytes))
                {
                    _spans.Enqueue(DecodeSpan(service, span));
                }
            }
        }
    }

    // Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 9 attributes, 13 links { 1 trace_id }
    private static ReceivedSpan DecodeSpan(string service, byte[] span)
    {
        var fields = Fields(span).ToList();
        string Hex(int number) => Convert.ToHexStringLower(fields.FirstOrDefault(f => f.Number == number).Bytes ?? []);
        return new ReceivedSpan(service, Hex(1), Hex(2), Hex(4),
            Encoding.UTF8.GetString(fields.FirstOrDefault(f => f.Number == 5).Bytes ?? []),
            (int)fields.FirstOrDefault(f => f.Number == 6).Value,
            Attributes(fields.Where(f => f.Number == 9).Select(f => f.Bytes)),
            [.. fields.Where(f => f.Number == 13).Select(f => Convert.ToHexStringLower(Fields(f.Bytes).FirstOrDefault(l => l.Number == 1).Bytes ?? []))]);
    }

    // KeyValue: 1 key, 2 value (AnyValue: 1 string, 2 bool, 3 int, 4 double)
    private static Dictionary<string, string> Attributes(IEnumerable<byte[]> keyValues)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in keyValues)
        {
            var fields = Fields(keyValue).ToList();
            string key = Encoding.UTF8.GetString(fields.FirstOrDefault(f => f.Number == 1).Bytes ?? []);
            var value = Fields(fields.FirstOrDefault(f => f.Number == 2).Bytes ?? []).FirstOrDefault();
            attributes[key] = value.Number switch
            {
                1 => Encoding.UTF8.GetString(value.Bytes),
                2 => (value.Value != 0).ToString(),
                3 => ((long)value.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
                4 => BitConverter.UInt64BitsToDouble(value.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "",
            };
        }
        return attributes;
    }

    /// <summary>A message's fields: number, and the varint/fixed value or the length-delimited bytes.</summary>
    private static IEnumerable<(int Number, ulong Value, byte[] Bytes)> Fields(byte[] message)
    {
        int position = 0;
        while (position < message.Length)
        {
            ulong tag = Varint(message, ref position);
            int number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    yield return (number, Varint(message, ref position), []);
                    break;
                case 1:
                    yield return (number, BitConverter.ToUInt64(message, position), []);
                    position += 8;
                    break;
                case 2:
                    int length = (int)Varint(message, ref position);
                    yield return (number, 0, message[position..(position + length)]);
                    position += length;
                    break;
                case 5:
                    yield return (number, BitConverter.ToUInt32(message, position), []);
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unsupported wire type {tag & 7}.");
            }
        }
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = message[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }


    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop.ConfigureAwait(false);
        _listener.Close();
        _stop.Dispose();
    }
}
