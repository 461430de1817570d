using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Api;

/// <summary>Word timestamps through both speech APIs: the task status, and the OpenAI route's events.</summary>
[Collection(AppCollection.Name)]
public sealed class WordTimestampsApiTests(VoiceAppFixture app)
{
    [Fact]
    public async Task TheTaskStatusTimesEveryWordOfTheTextAsSentEvenThroughTheDictionary()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        using (var rule = await api.PostAsJsonAsync("/api/v1/lexicons", new { term = "SQL", replacement = "structured query language" }))
        {
            Assert.Equal(HttpStatusCode.Created, rule.StatusCode);
        }
        // Leading spaces and a character outside the BMP: offsets are code points into exactly this text.
        const string text = "  😀 We keep data in SQL. Then we speak it, word by word.";

        var done = await GenerateAsync(api, new { text, timestamps = "word", format = "mp3" });

        Assert.Equal("word", done.GetProperty("request").GetProperty("timestamps").GetString());
        var words = done.GetProperty("words").EnumerateArray().ToList();
        int[] codePoints = [.. text.EnumerateRunes().Select(r => r.Value)];
        string Slice(int start, int end) => string.Concat(codePoints[start..end].Select(char.ConvertFromUtf32));
        Assert.Equal(["😀", "We", "keep", "data", "in", "SQL", "Then", "we", "speak", "it", "word", "by", "word"], words.Select(w => w.GetProperty("word").GetString()));
        Assert.All(words, w => Assert.Equal(w.GetProperty("word").GetString(), Slice(w.GetProperty("start_char").GetInt32(), w.GetProperty("end_char").GetInt32())));
        Assert.Equal(4, words[1].GetProperty("start_char").GetInt32()); // two spaces, the emoji (one code point, though two UTF-16 units), a space
        // In time order, each word taking time, the last ending with the audio.
        var times = words.Select(w => (Start: w.GetProperty("start").GetDouble(), End: w.GetProperty("end").GetDouble())).ToList();
        Assert.All(times, t => Assert.True(t.End > t.Start));
        Assert.True(times.Zip(times.Skip(1)).All(p => p.Second.Start >= p.First.End), "words overlap or go back");
        double duration = done.GetProperty("result").GetProperty("duration_seconds").GetDouble();
        Assert.InRange(times[^1].End, duration - 0.1, duration + 0.01);
        // "SQL" was read as three words, and is timed as one, as long as they are.
        double sql = times[5].End - times[5].Start, data = times[3].End - times[3].Start;
        Assert.True(sql > data * 2.5, $"SQL {sql:0.000} s against data {data:0.000} s");
    }

    [Fact]
    public async Task WithoutAskingThereAreNoWordsAndABadValueIsRefused()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);

        var done = await GenerateAsync(api, new { text = "No timestamps here." });
        Assert.False(done.TryGetProperty("words", out var none) && none.ValueKind != JsonValueKind.Null);

        using var refused = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Hi.", timestamps = "syllable" });
        var problem = await GenerateValidationTests.AssertProblemAsync(refused, HttpStatusCode.BadRequest, "https://voice.dev/problems/validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("timestamps", out _), problem.ToString());
    }

    [Fact]
    public async Task TheOpenAiRouteStreamsTheWordsAsEventsBesideTheAudio()
    {
        var tenant = await app.CreateTenantAsync();
        using var api = app.CreateApiClient(tenant.ApiKey);
        string input = string.Concat(Enumerable.Range(1, 8).Select(i => $"Sentence number {i} has its words timed. "));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
        {
            Content = JsonContent.Create(new { model = "tts-1", input, voice = "echo", response_format = "pcm", stream_format = "sse", timestamps = "word" }),
        };

        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var taskId = Guid.Parse(response.Headers.GetValues("X-Task-Id").Single());
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();

        var types = events.Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal("speech.audio.done", types[^1]);
        Assert.True(types.Count(t => t == "speech.audio.timestamps") >= 8, string.Join(", ", types)); // one or more per sentence, as it is spoken
        Assert.True(types.IndexOf("speech.audio.timestamps") < types.LastIndexOf("speech.audio.delta"), "the words came only after all the audio");
        var streamed = events.Where(e => e.GetProperty("type").GetString() == "speech.audio.timestamps")
            .SelectMany(e => e.GetProperty("words").EnumerateArray()).Select(w => w.GetRawText()).ToList();
        var stored = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/task/{taskId}")).GetProperty("words").EnumerateArray().Select(w => w.GetRawText()).ToList();
        Assert.Equal(stored, streamed);
        Assert.Equal(8 * 7, stored.Count);
        // The last word ends with the audio that was streamed (raw 24 kHz 16-bit).
        double audioSeconds = events.Where(e => e.GetProperty("type").GetString() == "speech.audio.delta")
            .Sum(e => Convert.FromBase64String(e.GetProperty("audio").GetString()!).Length) / 2.0 / 24_000;
        double lastEnd = JsonDocument.Parse(stored[^1]).RootElement.GetProperty("end").GetDouble();
        Assert.InRange(lastEnd, audioSeconds - 0.1, audioSeconds + 0.01);
    }

    private static async Task<JsonElement> GenerateAsync(HttpClient api, object body)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/voice/generate", body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        var done = await TaskPolling.WaitForFinishAsync(api, id, TimeSpan.FromSeconds(60));
        Assert.True(done.GetProperty("status").GetString() == "completed", done.ToString());
        return done;
    }
}
