using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HdrHistogram;
using StackExchange.Redis;
using Voice.ApiService.Security;
using Voice.Core.Billing;
using Voice.ApiService.Accounts;

// The rate limiter's cost per request: the same tiny endpoint served by Kestrel with and without the limiter's
// check (the real RequestRateLimiter and its Lua script against a throwaway redis-server), under concurrent
// load on this machine, alternating rounds so drift hits both alike. Also the check alone and a Redis PING,
// the floor of any Redis round trip.
//   dotnet run -c Release --project bench/Voice.Bench.RateLimit [-- seconds-per-round concurrency rounds]
int seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
int concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;

int redisPort = FreePort();
using var redisServer = Process.Start(new ProcessStartInfo("redis-server", ["--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
{
    RedirectStandardOutput = true,
})!;
try
{
    await using var redis = await ConnectWithRetryAsync($"127.0.0.1:{redisPort}");
    var limiter = new RequestRateLimiter(redis);
    // Generous buckets: every request is admitted, so what is measured is the check, not refusals.
    var plan = PlanLimits.Fallback("bench") with { RatePerSecond = 1e6, RateBurst = 1_000_000, KeyRatePerSecond = 1e6, KeyRateBurst = 1_000_000 };
    var callers = Enumerable.Range(0, 64)
        .Select(i => new CallerIdentity(Guid.NewGuid(), $"t{i}", CredentialKind.ApiKey, $"key{i}", null, [], "bench")).ToArray();

    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    var app = builder.Build();
    int next = 0;
    app.Use(async (context, nextMiddleware) =>
    {
        if (context.Request.Path.StartsWithSegments("/limited"))
        {
            var caller = callers[(int)((uint)Interlocked.Increment(ref next) % callers.Length)];
            var decision = await limiter.CheckAsync(caller, plan, viaPortal: false);
            context.Response.Headers["RateLimit"] = $"\"tenant\";r={(int)decision.TenantTokens};t=0";
            if (!decision.Allowed)
            {
                context.Response.StatusCode = 429;
                return;
            }
        }
        await nextMiddleware(context);
    });
    app.MapGet("/plain", () => Results.Text("{\"ok\":true}", "application/json"));
    app.MapGet("/limited", () => Results.Text("{\"ok\":true}", "application/json"));
    await app.StartAsync();
    string address = app.Urls.First();

    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(address) };
    await LoadAsync(http, "/plain", concurrency, TimeSpan.FromSeconds(2)); // warm-up: JIT, connections
    await LoadAsync(http, "/limited", concurrency, TimeSpan.FromSeconds(2));

    var plain = new LongHistogram(TimeStamp.Seconds(10), 3);
    var limited = new LongHistogram(TimeStamp.Seconds(10), 3);
    long plainCount = 0, limitedCount = 0;
    for (int round = 0; round < rounds; round++)
    {
        var p = await LoadAsync(http, "/plain", concurrency, TimeSpan.FromSeconds(seconds));
        plain.Add(p.Histogram);
        plainCount += p.Requests;
        var l = await LoadAsync(http, "/limited", concurrency, TimeSpan.FromSeconds(seconds));
        limited.Add(l.Histogram);
        limitedCount += l.Requests;
    }

    // The check alone, one at a time, and the Redis round trip it cannot beat.
    var check = new LongHistogram(TimeStamp.Seconds(10), 3);
    var ping = new LongHistogram(TimeStamp.Seconds(10), 3);
    var db = redis.GetDatabase();
    for (int i = 0; i < 20_000; i++)
    {
        long start = Stopwatch.GetTimestamp();
        await limiter.CheckAsync(callers[i % callers.Length], plan, viaPortal: false);
        check.RecordValue(Stopwatch.GetTimestamp() - start);
        start = Stopwatch.GetTimestamp();
        await db.PingAsync();
        ping.RecordValue(Stopwatch.GetTimestamp() - start);
    }
    await app.StopAsync();

    double Us(LongHistogram h, double percentile) => h.GetValueAtPercentile(percentile) * 1e6 / Stopwatch.Frequency;
    var result = new
    {
        machine = $"{Environment.ProcessorCount} cores",
        seconds_per_round = seconds,
        rounds,
        concurrency,
        without_limiter = new { requests_per_second = plainCount / (double)(seconds * rounds), p50_us = Us(plain, 50), p99_us = Us(plain, 99), p999_us = Us(plain, 99.9) },
        with_limiter = new { requests_per_second = limitedCount / (double)(seconds * rounds), p50_us = Us(limited, 50), p99_us = Us(limited, 99), p999_us = Us(limited, 99.9) },
        check_alone = new { p50_us = Us(check, 50), p99_us = Us(check, 99) },
        redis_ping = new { p50_us = Us(ping, 50), p99_us = Us(ping, 99) },
    };
    string json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
    Console.WriteLine(json);
    string results = Path.Combine(RepositoryRoot(), "bench", "results");
    Directory.CreateDirectory(results);
    await File.WriteAllTextAsync(Path.Combine(results, $"ratelimit-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json"), json);
    Console.WriteLine($"""

        | | req/s | p50 | p99 | p99.9 |
        |---|---|---|---|---|
        | without limiter | {result.without_limiter.requests_per_second:F0} | {result.without_limiter.p50_us:F0} µs | {result.without_limiter.p99_us:F0} µs | {result.without_limiter.p999_us:F0} µs |
        | with limiter | {result.with_limiter.requests_per_second:F0} | {result.with_limiter.p50_us:F0} µs | {result.with_limiter.p99_us:F0} µs | {result.with_limiter.p999_us:F0} µs |
        | check alone (sequential) | | {result.check_alone.p50_us:F0} µs | {result.check_alone.p99_us:F0} µs | |
        | Redis PING (sequential) | | {result.redis_ping.p50_us:F0} µs | {result.redis_ping.p99_us:F0} µs | |
        """);
}
finally
{
    redisServer.Kill();
    await redisServer.WaitForExitAsync();
}

static async Task<(LongHistogram Histogram, long Requests)> LoadAsync(HttpClient http, string path, int concurrency, TimeSpan duration)
{
    var histograms = new LongHistogram[concurrency];
    long requests = 0;
    long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async i =>
    {
        var histogram = histograms[i] = new LongHistogram(TimeStamp.Seconds(10), 3);
        while (Stopwatch.GetTimestamp() < end)
        {
            long start = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(path);
            await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}");
            }
            histogram.RecordValue(Stopwatch.GetTimestamp() - start);
            Interlocked.Increment(ref requests);
        }
    }));
    var all = new LongHistogram(TimeStamp.Seconds(10), 3);
    foreach (var h in histograms)
    {
        all.Add(h);
    }
    return (all, requests);
}

static async Task<ConnectionMultiplexer> ConnectWithRetryAsync(string configuration)
{
    for (int attempt = 0; ; attempt++)
    {
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(configuration);
        }
        catch (RedisConnectionException) when (attempt < 50)
        {
            await Task.Delay(100);
        }
    }
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static string RepositoryRoot()
{
    var directory = new DirectoryInfo(AppContext.BaseDirectory);
    while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Voice.sln")))
    {
        directory = directory.Parent;
    }
    return directory?.FullName ?? Directory.GetCurrentDirectory();
}
