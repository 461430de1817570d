using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Voice.ApiService.Submissions;
using Voice.Core.Jobs;
using Voice.Speech.Engines;
using Voice.Tests.Infrastructure;
using Voice.Worker.Synthesis;

namespace Voice.Tests.Worker;

/// <summary>
/// Live jobs run beside the worker's slots and take the engine's work one sentence at a time
/// (<see cref="SentenceScheduler"/>): every listener gets its first sentence before anyone's stream ends, and a
/// listener who does not read gets no more made than its buffer. Real ledger, queue and streams; an engine that
/// records the order in which it makes sentences.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class LiveTurnsTests(VoiceAppFixture app)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task MoreLiveStreamsThanSlotsEachGetTheirFirstSentenceBeforeAnyStreamEnds()
    {
        var tenant = await app.CreateTenantAsync();
        var engine = new SentenceFakeEngine(sentences: 6);
        await using var worker = await WorkerHarness.StartAsync(app, engine, settings: new Dictionary<string, string?>
        {
            ["Worker:Concurrency"] = "1",
            ["Worker:LiveSentencesAtOnce"] = "1",
            ["Worker:LiveSentencesAhead"] = "100", // nobody reads these streams here: no pacing
        });
        var texts = Enumerable.Range(0, 4).Select(i => $"Stream {i} of {Guid.NewGuid():N}.").ToList();
        var entries = new List<QueueEntry>();
        foreach (var text in texts)
        {
            entries.Add(await SubmitLiveAsync(worker, tenant.Id, text));
        }

        // One slot's worth of work: each live job is claimed and handed on, so the "slot" is free for the next at once.
        // The first job's first sentence is held until the other three wait for their turns.
        engine.HoldFirstSentence();
        foreach (var entry in entries)
        {
            await worker.Runner.RunAsync([entry], WorkerHarness.Consumer, CancellationToken.None).WaitAsync(Patience);
        }
        var scheduler = worker.Services.GetRequiredService<SentenceScheduler>();
        using (var waiting = new CancellationTokenSource(Patience))
        {
            while (scheduler.Waiting < 3)
            {
                await Task.Delay(20, waiting.Token);
            }
        }
        engine.Release();
        using var api = app.CreateApiClient(tenant.ApiKey);
        foreach (var entry in entries)
        {
            var done = await TaskPolling.WaitForFinishAsync(api, entry.JobId, Patience);
            Assert.Equal("completed", done.GetProperty("status").GetString());
        }

        var made = engine.Made.ToList();
        Assert.Equal(4 * 6, made.Count);
        int lastFirst = texts.Max(t => made.IndexOf((t, 0)));
        int firstEnd = texts.Min(t => made.IndexOf((t, 5)));
        Assert.True(lastFirst >= 0 && firstEnd >= 0);
        Assert.True(lastFirst < firstEnd, $"a stream ended (sentence {firstEnd}) before another had its first (sentence {lastFirst}): {string.Join(", ", made)}");
        var streams = worker.Services.GetRequiredService<SpeechStreams>();
        foreach (var entry in entries)
        {
            var heard = await streams.ReadAsync(entry.JobId, "0-0", 1000);
            Assert.Equal(6, heard.Count(e => e.Kind == SpeechStreamEntry.AudioKind));
            Assert.Equal("completed", heard[^1].Outcome);
        }
    }

    [Fact]
    public async Task AListenerWhoDoesNotReadGetsNoMoreMadeThanItsBuffer()
    {
        var tenant = await app.CreateTenantAsync();
        var engine = new SentenceFakeEngine(sentences: 12);
        await using var worker = await WorkerHarness.StartAsync(app, engine, settings: new Dictionary<string, string?>
        {
            ["Worker:LiveSentencesAhead"] = "3",
        });
        var entry = await SubmitLiveAsync(worker, tenant.Id, "Nobody reads this yet.");
        await worker.Runner.RunAsync([entry], WorkerHarness.Consumer, CancellationToken.None).WaitAsync(Patience);

        using (var three = new CancellationTokenSource(Patience))
        {
            while (engine.Made.Count < 3)
            {
                await Task.Delay(20, three.Token);
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(1)); // room to overrun the buffer, were it not bounded
        Assert.Equal(3, engine.Made.Count);

        // The listener starts reading (as the API's relay does): the job is spoken to its end.
        var feed = new SpeechFeed(worker.Jobs, worker.Services.GetRequiredService<SpeechStreams>());
        int audio = 0;
        string? outcome = null;
        using var reading = new CancellationTokenSource(Patience);
        await foreach (var streamed in feed.ReadAsync(tenant.Id, entry.JobId, reading.Token))
        {
            audio += streamed.Kind == SpeechStreamEntry.AudioKind ? 1 : 0;
            outcome = streamed.Outcome;
        }
        Assert.Equal(12, audio);
        Assert.Equal("completed", outcome);
        Assert.Equal(12, engine.Made.Count);
    }

    private static async Task<QueueEntry> SubmitLiveAsync(WorkerHarness worker, Guid tenantId, string text)
    {
        var submitted = await worker.Jobs.CreateAsync(tenantId, new JobSpec(text, "en", "alloy", "pcm", Stream: true), null, null, null, CancellationToken.None);
        return await worker.DeliverLiveAsync(tenantId, submitted.Job!.Id);
    }

    /// <summary>
    /// Fakes an engine that makes a text sentence by sentence (as espeak does): each chunk is one "sentence", made when
    /// asked for; <see cref="Made"/> records which text's which sentence, in the order they were made.
    /// </summary>
    private sealed class SentenceFakeEngine(int sentences) : ISpeechEngine
    {
        private TaskCompletionSource? _hold;
        private int _held;

        public ConcurrentQueue<(string Text, int Sentence)> Made { get; } = new();

        /// <summary>The next sentence made waits for <see cref="Release"/>.</summary>
        public void HoldFirstSentence() => _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _hold?.TrySetResult();

        public string Name => "sentence-fake";

        public string Model => "fake";

        public SpeechEngineCapabilities Capabilities => FakeVoices.Capabilities(1);

        public Task<VoicePrompt> CreateVoiceAsync(VoiceSpec spec, CancellationToken cancellationToken) => FakeVoices.Create(Name, spec);

        public Task WarmUpAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async IAsyncEnumerable<PcmChunk> SynthesizeAsync(SynthesisRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (int i = 0; i < sentences; i++)
            {
                await Task.Yield();
                if (_hold is { } hold && Interlocked.Exchange(ref _held, 1) == 0)
                {
                    await hold.Task.WaitAsync(cancellationToken);
                }
                cancellationToken.ThrowIfCancellationRequested();
                Made.Enqueue((request.Text, i));
                yield return new PcmChunk(new float[2_400], 24_000, (i + 1) / (double)sentences);
            }
        }
    }
}
