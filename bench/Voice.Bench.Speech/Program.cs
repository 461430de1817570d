using System.Diagnostics;
using System.Globalization;
using Voice.Audio.Analysis;
using Voice.Audio.Resampling;
using Voice.Speech.Engines;
using Voice.Speech.Espeak;

// The embedded engine on this machine: for every language and voice mode, how long a paragraph takes to speak,
// its measured median F0, and the real-time factor (synthesis time / audio time), plus voice creation time.
// Usage: dotnet run -c Release --project bench/Voice.Bench.Speech [repetitions]
int repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
var engine = new EspeakEngine();
await engine.WarmUpAsync(CancellationToken.None);
int rate = engine.Capabilities.SampleRate;

var paragraphs = new Dictionary<string, string>
{
    ["en"] = "The harbour was quiet in the early morning. Fishing boats rocked gently on the water, and the gulls waited on the posts. An old man walked slowly along the pier, counting the boats as he always did.",
    ["zh"] = "清晨的港口很安静。渔船在水面上轻轻摇晃，海鸥停在木桩上等待。一位老人沿着码头慢慢地走着，像往常一样数着船只。",
    ["ja"] = "あさの みなとは しずかでした。ぎょせんが みずの うえで ゆれて、かもめが くいの うえで まって いました。ひとりの おじいさんが ゆっくりと さんばしを あるきました。",
    ["ko"] = "이른 아침의 항구는 조용했습니다. 어선들이 물 위에서 살며시 흔들렸고, 갈매기들은 기둥 위에서 기다렸습니다. 한 노인이 부두를 따라 천천히 걸었습니다.",
    ["de"] = "Der Hafen war am frühen Morgen still. Die Fischerboote schaukelten sanft auf dem Wasser, und die Möwen warteten auf den Pfählen. Ein alter Mann ging langsam den Steg entlang.",
    ["fr"] = "Le port était calme au petit matin. Les bateaux de pêche se balançaient doucement sur l'eau, et les mouettes attendaient sur les poteaux. Un vieil homme marchait lentement le long de la jetée.",
    ["ru"] = "Ранним утром в гавани было тихо. Рыбацкие лодки мягко покачивались на воде, а чайки ждали на столбах. Старик медленно шёл по причалу.",
    ["pt"] = "O porto estava calmo de manhã cedo. Os barcos de pesca balançavam suavemente na água, e as gaivotas esperavam nos postes. Um velho caminhava devagar pelo cais.",
    ["es"] = "El puerto estaba tranquilo por la mañana temprano. Los barcos de pesca se mecían suavemente en el agua, y las gaviotas esperaban en los postes. Un anciano caminaba despacio por el muelle.",
    ["it"] = "Il porto era tranquillo al mattino presto. Le barche da pesca dondolavano dolcemente sull'acqua, e i gabbiani aspettavano sui pali. Un vecchio camminava lentamente lungo il molo.",
};

Console.WriteLine($"# {engine.Model}, {Environment.ProcessorCount} cores, median of {repetitions} runs");
Console.WriteLine();
Console.WriteLine("| language | mode | voice | create (ms) | duration (s) | median F0 (Hz) | RTF |");
Console.WriteLine("|---|---|---|---:|---:|---:|---:|");
double totalAudio = 0, totalTime = 0;
foreach (var (language, text) in paragraphs)
{
    // The clone's "speaker": a high female espeak voice reading the paragraph (with its transcript).
    var speaker = new VoicePrompt(EspeakEngine.EngineName, VoiceMode.Preset, new EspeakVoice("f4", 75, 60, 200).Serialize(), "{}", [], "approximate");
    float[] reference = PolyphaseResampler.Resample(await SpeakAsync(speaker, text, language), rate, 24_000);
    double referenceF0 = VoiceAnalyzer.Analyze(reference, 24_000).MedianF0Hz;
    var modes = new (string Mode, string Label, VoiceSpec Spec)[]
    {
        ("preset", "onyx", new PresetVoiceSpec("onyx", language)),
        ("design", "bright fast woman", new DesignVoiceSpec("bright fast woman", language)),
        ("clone", string.Create(CultureInfo.InvariantCulture, $"reference at {referenceF0:0} Hz"), new CloneVoiceSpec(reference, 24_000, text, language)),
    };
    foreach (var (mode, label, spec) in modes)
    {
        var create = Stopwatch.StartNew();
        var prompt = await engine.CreateVoiceAsync(spec, CancellationToken.None);
        double createMs = create.Elapsed.TotalMilliseconds;
        var timings = new List<double>();
        float[] audio = [];
        for (int i = 0; i < repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            audio = await SpeakAsync(prompt, text, language);
            timings.Add(clock.Elapsed.TotalSeconds);
        }
        double seconds = audio.Length / (double)rate;
        double median = timings.Order().ElementAt(timings.Count / 2);
        totalAudio += seconds;
        totalTime += median;
        var traits = VoiceAnalyzer.Analyze(audio, rate);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {language} | {mode} | {label} | {createMs:0} | {seconds:0.00} | {traits.MedianF0Hz:0} | {median / seconds:0.0000} |"));
    }
}
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Overall: {totalAudio:0.0} s of audio in {totalTime:0.00} s, RTF {totalTime / totalAudio:0.0000} ({totalAudio / totalTime:0}× real time, one thread)."));

async Task<float[]> SpeakAsync(VoicePrompt prompt, string text, string language)
{
    var samples = new List<float>();
    await foreach (var chunk in engine.SynthesizeAsync(new SynthesisRequest(text, language, prompt), CancellationToken.None))
    {
        samples.AddRange(chunk.Samples.Span);
    }
    return [.. samples];
}
