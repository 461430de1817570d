using Voice.Speech.Engines;
using Voice.Speech.Espeak;

namespace Voice.Tests.Speech;

/// <summary>The embedded engine's word timings, from espeak-ng's word events, against the audio it made.</summary>
public sealed class EspeakWordTimestampTests
{
    private const int Rate = 22_050;
    private readonly EspeakEngine _engine = new();

    [Fact]
    public async Task EveryWrittenWordIsTimedOnceInOrderAndTheLastEndsWithTheAudio()
    {
        const string text = "Hello, world. It costs 123 dollars in 2026, café naïve!\nIsn't that odd? A rock'n'roll e-mail, 50% of $5 😀 — yes.";

        var (audio, words) = await SpeakAsync(text, "en");

        // One timing per written word — a number read as several spoken words is still one — each pointing at it.
        string[] written = [.. text.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('.', ',', '!', '?', '—')).Where(w => w.Length > 0)];
        string[] timed = [.. words.Select(w => text.Substring(w.Start, w.Length))];
        Assert.Equal(written, timed); // "50%" and "$5" are two spoken words each, one written word
        Assert.All(words, w => Assert.True(w.EndSeconds > w.StartSeconds, $"{text.Substring(w.Start, w.Length)} has no duration"));
        Assert.True(words.Zip(words.Skip(1)).All(p => p.Second.StartSeconds >= p.First.EndSeconds), "words overlap or go back in time");
        double duration = audio.Length / (double)Rate;
        Assert.InRange(words[^1].EndSeconds, duration - 0.1, duration);
        Assert.InRange(words[0].StartSeconds, 0, 0.1);
    }

    [Fact]
    public async Task WordsAreWhereTheSoundIsAndPausesFallBetweenThem()
    {
        const string text = "First, a pause; then, after the comma, more words. A second sentence follows the first.";

        var (audio, words) = await SpeakAsync(text, "en");

        foreach (var word in words)
        {
            var span = Slice(audio, word.StartSeconds, word.EndSeconds);
            Assert.True(Rms(span) > 0.02, $"'{text.Substring(word.Start, word.Length)}' is silent ({Rms(span):0.0000})");
        }
        // The pauses at the commas and between the sentences lie between words, not inside them.
        var gaps = words.Zip(words.Skip(1)).Select(p => (p.First, p.Second, Seconds: p.Second.StartSeconds - p.First.EndSeconds)).ToList();
        Assert.True(gaps.Count(g => g.Seconds > 0.1) >= 4, string.Join(", ", gaps.Select(g => $"{g.Seconds:0.000}")));
        Assert.All(gaps.Where(g => g.Seconds > 0.02), g =>
            Assert.True(Peak(Slice(audio, g.First.EndSeconds + 0.005, g.Second.StartSeconds - 0.005)) < 0.01,
                $"sound between '{text.Substring(g.First.Start, g.First.Length)}' and '{text.Substring(g.Second.Start, g.Second.Length)}'"));
    }

    [Fact]
    public async Task JapaneseWordsPointIntoTheTextAsSentWithItsKanji()
    {
        const string text = "今日は いい てんきですね。 あしたも はれです。";

        var (_, words) = await SpeakAsync(text, "ja");

        Assert.NotEmpty(words);
        // The kanji were not spoken, yet the offsets are into the original text: each word is kana found there.
        Assert.All(words, w => Assert.Matches(@"^[\p{IsHiragana}\p{IsKatakana}ー]+$", text.Substring(w.Start, w.Length)));
        Assert.Equal(text.IndexOf('は', StringComparison.Ordinal), words[0].Start);
        Assert.Contains(words, w => text.Substring(w.Start, w.Length).StartsWith("あしたも", StringComparison.Ordinal) || text.Substring(w.Start, w.Length) == "あした");
    }

    [Fact]
    public async Task MandarinIsTimedInCharactersOrShortWordsAndFasterSpeechEndsSooner()
    {
        const string text = "你好世界。今天天气很好。";
        var (_, words) = await SpeakAsync(text, "zh");
        // espeak-ng 1.51 (Debian 12) times each character; 1.52 (Debian 13) joins words it knows (你好). Either way the
        // timed spans are short and cover every character once, in order, and no punctuation.
        var spans = words.Select(w => text.Substring(w.Start, w.Length)).ToList();
        Assert.Equal("你好世界今天天气很好", string.Concat(spans));
        Assert.All(spans, span => Assert.InRange(span.Length, 1, 2));
        Assert.True(spans.Count >= 6, string.Join(" ", spans));

        var (fastAudio, fast) = await SpeakAsync(text, "zh", speed: 2f);
        Assert.Equal(words.Count, fast.Count);
        Assert.InRange(fast[^1].EndSeconds, fastAudio.Length / (double)Rate - 0.1, fastAudio.Length / (double)Rate);
        Assert.True(fast[^1].EndSeconds < words[^1].EndSeconds * 0.75);
    }

    private async Task<(float[] Audio, List<WordTiming> Words)> SpeakAsync(string text, string language, float speed = 1f)
    {
        var prompt = await _engine.CreateVoiceAsync(new PresetVoiceSpec("alloy", language), CancellationToken.None);
        var audio = new List<float>();
        var words = new List<WordTiming>();
        await foreach (var chunk in _engine.SynthesizeAsync(new SynthesisRequest(text, language, prompt, speed), CancellationToken.None))
        {
            // A chunk's words lie within the audio heard so far.
            audio.AddRange(chunk.Samples.Span);
            Assert.All(chunk.Words ?? [], w => Assert.True(w.EndSeconds <= audio.Count / (double)Rate + 1e-9));
            words.AddRange(chunk.Words ?? []);
        }
        return ([.. audio], words);
    }

    private static float[] Slice(float[] audio, double from, double to) =>
        audio[(int)Math.Clamp(from * Rate, 0, audio.Length)..(int)Math.Clamp(to * Rate, 0, audio.Length)];

    private static double Rms(float[] samples) => samples.Length == 0 ? 0 : Math.Sqrt(samples.Average(s => (double)s * s));

    private static double Peak(float[] samples) => samples.Length == 0 ? 0 : samples.Max(Math.Abs);
}
