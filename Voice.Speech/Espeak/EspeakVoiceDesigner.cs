using System.Text;
using System.Text.RegularExpressions;

namespace Voice.Speech.Espeak;

/// <summary>A designed voice: its parameters, the description words that shaped it, and the words that did not.</summary>
public sealed record DesignedVoice(EspeakVoice Voice, IReadOnlyList<string> Recognized, IReadOnlyList<string> Ignored);

/// <summary>
/// Turns a natural-language description ("a warm, low-pitched male narrator", "年轻活泼的女声") into espeak
/// parameters — deterministically, by keywords in English and Chinese for gender, age, pitch, pace, energy,
/// loudness, whispering and robotic timbre. "very"/"非常" strengthens the next trait; "not"/"不" inverts it.
/// Words it does not know are returned as ignored so the tenant sees what had no effect.
/// </summary>
public static partial class EspeakVoiceDesigner
{
    private enum Trait
    {
        Male, Female, Young, Old, Child, Low, High, Slow, Fast, Lively, Flat, Loud, Soft, Whisper, Robotic, Warm, Narrator,
        Intensifier, Negation,
    }

    private static readonly Dictionary<string, Trait> EnglishWords = new(StringComparer.Ordinal)
    {
        ["male"] = Trait.Male, ["man"] = Trait.Male, ["men"] = Trait.Male, ["masculine"] = Trait.Male, ["guy"] = Trait.Male,
        ["boy"] = Trait.Male, ["gentleman"] = Trait.Male, ["he"] = Trait.Male, ["his"] = Trait.Male,
        ["female"] = Trait.Female, ["woman"] = Trait.Female, ["women"] = Trait.Female, ["feminine"] = Trait.Female,
        ["girl"] = Trait.Female, ["lady"] = Trait.Female, ["she"] = Trait.Female, ["her"] = Trait.Female,
        ["young"] = Trait.Young, ["youthful"] = Trait.Young, ["teen"] = Trait.Young, ["teenage"] = Trait.Young, ["teenager"] = Trait.Young,
        ["child"] = Trait.Child, ["kid"] = Trait.Child, ["childlike"] = Trait.Child,
        ["old"] = Trait.Old, ["elderly"] = Trait.Old, ["aged"] = Trait.Old, ["senior"] = Trait.Old, ["mature"] = Trait.Old,
        ["grandfather"] = Trait.Old, ["grandmother"] = Trait.Old, ["middle-aged"] = Trait.Old,
        ["deep"] = Trait.Low, ["low"] = Trait.Low, ["low-pitched"] = Trait.Low, ["bass"] = Trait.Low, ["baritone"] = Trait.Low, ["husky"] = Trait.Low,
        ["high"] = Trait.High, ["high-pitched"] = Trait.High, ["bright"] = Trait.High, ["squeaky"] = Trait.High, ["shrill"] = Trait.High,
        ["light"] = Trait.High, ["airy"] = Trait.High, ["soprano"] = Trait.High,
        ["slow"] = Trait.Slow, ["slowly"] = Trait.Slow, ["leisurely"] = Trait.Slow, ["unhurried"] = Trait.Slow, ["measured"] = Trait.Slow, ["deliberate"] = Trait.Slow,
        ["fast"] = Trait.Fast, ["quick"] = Trait.Fast, ["quickly"] = Trait.Fast, ["rapid"] = Trait.Fast, ["hurried"] = Trait.Fast, ["brisk"] = Trait.Fast,
        ["energetic"] = Trait.Lively, ["lively"] = Trait.Lively, ["excited"] = Trait.Lively, ["enthusiastic"] = Trait.Lively, ["cheerful"] = Trait.Lively,
        ["expressive"] = Trait.Lively, ["animated"] = Trait.Lively, ["dynamic"] = Trait.Lively, ["happy"] = Trait.Lively,
        ["monotone"] = Trait.Flat, ["flat"] = Trait.Flat, ["calm"] = Trait.Flat, ["steady"] = Trait.Flat, ["serious"] = Trait.Flat, ["neutral"] = Trait.Flat,
        ["loud"] = Trait.Loud, ["powerful"] = Trait.Loud, ["strong"] = Trait.Loud, ["booming"] = Trait.Loud, ["commanding"] = Trait.Loud,
        ["soft"] = Trait.Soft, ["quiet"] = Trait.Soft, ["gentle"] = Trait.Soft, ["tender"] = Trait.Soft,
        ["whisper"] = Trait.Whisper, ["whispering"] = Trait.Whisper, ["whispered"] = Trait.Whisper, ["breathy"] = Trait.Whisper,
        ["robotic"] = Trait.Robotic, ["robot"] = Trait.Robotic, ["mechanical"] = Trait.Robotic, ["synthetic"] = Trait.Robotic, ["computer"] = Trait.Robotic,
        ["warm"] = Trait.Warm, ["rich"] = Trait.Warm, ["smooth"] = Trait.Warm, ["mellow"] = Trait.Warm,
        ["narrator"] = Trait.Narrator, ["storyteller"] = Trait.Narrator, ["announcer"] = Trait.Narrator, ["presenter"] = Trait.Narrator, ["newsreader"] = Trait.Narrator,
        ["very"] = Trait.Intensifier, ["really"] = Trait.Intensifier, ["extremely"] = Trait.Intensifier, ["super"] = Trait.Intensifier, ["quite"] = Trait.Intensifier,
        ["not"] = Trait.Negation, ["never"] = Trait.Negation,
    };

    // Words that carry no voice trait in a description; neither applied nor worth reporting.
    private static readonly HashSet<string> EnglishFiller = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "with", "of", "in", "on", "for", "to", "at", "by", "as", "is", "are", "who", "that", "which",
        "voice", "voiced", "tone", "toned", "sounding", "sounds", "speaker", "speaking", "speaks", "speech", "person", "pitch", "pitched",
        "pace", "paced", "delivery", "style", "like", "bit", "slightly", "somewhat", "too", "rather", "s",
    };

    private static readonly (string Word, Trait Trait)[] ChineseWords = [.. new (string, Trait)[]
    {
        ("男性", Trait.Male), ("男声", Trait.Male), ("男人", Trait.Male), ("男子", Trait.Male), ("男孩", Trait.Male), ("男", Trait.Male),
        ("女性", Trait.Female), ("女声", Trait.Female), ("女人", Trait.Female), ("女子", Trait.Female), ("女孩", Trait.Female), ("女", Trait.Female),
        ("年轻", Trait.Young), ("青年", Trait.Young), ("少年", Trait.Young), ("少女", Trait.Young),
        ("小孩", Trait.Child), ("孩子", Trait.Child), ("儿童", Trait.Child), ("童声", Trait.Child), ("稚嫩", Trait.Child),
        ("老年", Trait.Old), ("年迈", Trait.Old), ("老人", Trait.Old), ("苍老", Trait.Old), ("成熟", Trait.Old), ("中年", Trait.Old), ("老", Trait.Old),
        ("低沉", Trait.Low), ("低音", Trait.Low), ("深沉", Trait.Low), ("浑厚", Trait.Low), ("磁性", Trait.Low), ("低", Trait.Low),
        ("高亢", Trait.High), ("高音", Trait.High), ("尖细", Trait.High), ("清脆", Trait.High), ("明亮", Trait.High), ("甜美", Trait.High), ("高", Trait.High),
        ("缓慢", Trait.Slow), ("慢速", Trait.Slow), ("从容", Trait.Slow), ("慢", Trait.Slow),
        ("快速", Trait.Fast), ("急促", Trait.Fast), ("语速快", Trait.Fast), ("快", Trait.Fast),
        ("活泼", Trait.Lively), ("热情", Trait.Lively), ("兴奋", Trait.Lively), ("激动", Trait.Lively), ("有活力", Trait.Lively), ("欢快", Trait.Lively), ("开朗", Trait.Lively),
        ("平淡", Trait.Flat), ("单调", Trait.Flat), ("平静", Trait.Flat), ("冷静", Trait.Flat), ("沉稳", Trait.Flat), ("严肃", Trait.Flat),
        ("洪亮", Trait.Loud), ("响亮", Trait.Loud), ("大声", Trait.Loud), ("有力", Trait.Loud),
        ("轻柔", Trait.Soft), ("温柔", Trait.Soft), ("柔和", Trait.Soft), ("小声", Trait.Soft), ("轻声", Trait.Soft),
        ("耳语", Trait.Whisper), ("气声", Trait.Whisper), ("悄悄话", Trait.Whisper), ("低语", Trait.Whisper), ("气音", Trait.Whisper),
        ("机器人", Trait.Robotic), ("机械", Trait.Robotic), ("电子音", Trait.Robotic),
        ("温暖", Trait.Warm), ("温和", Trait.Warm), ("醇厚", Trait.Warm),
        ("旁白", Trait.Narrator), ("讲述", Trait.Narrator), ("播音", Trait.Narrator), ("解说", Trait.Narrator), ("叙述", Trait.Narrator), ("主持", Trait.Narrator),
        ("非常", Trait.Intensifier), ("特别", Trait.Intensifier), ("十分", Trait.Intensifier), ("极其", Trait.Intensifier), ("很", Trait.Intensifier), ("超", Trait.Intensifier),
        ("不", Trait.Negation),
    }.OrderByDescending(w => w.Item1.Length)];

    private static readonly string[] ChineseFiller =
        ["声音", "音色", "嗓音", "语速", "语气", "说话", "一个", "一位", "的", "地", "得", "和", "且", "又", "有", "带", "点", "一些", "人", "像", "是", "者", "音", "声", "稍微", "有点"];

    public static DesignedVoice Design(string description)
    {
        var recognized = new List<string>();
        var ignored = new List<string>();
        var traits = new List<(Trait Trait, double Strength)>();
        double strength = 1;
        bool negate = false;

        void Apply(string word, Trait trait)
        {
            switch (trait)
            {
                case Trait.Intensifier:
                    strength = 1.6;
                    return;
                case Trait.Negation:
                    negate = true;
                    return;
            }
            var effective = negate ? Opposite(trait) : trait;
            if (effective is { } t)
            {
                traits.Add((t, strength));
                recognized.Add(negate ? $"not {word} → {Describe(t)}" : $"{word} → {Describe(t)}");
            }
            else
            {
                ignored.Add("not " + word);
            }
            strength = 1;
            negate = false;
        }

        foreach (var token in Tokenize(description))
        {
            if (token.IsChinese)
            {
                ScanChinese(token.Text, Apply, ignored);
            }
            else if (EnglishWords.TryGetValue(token.Text, out var trait))
            {
                Apply(token.Text, trait);
            }
            else if (token.Text.Contains('-', StringComparison.Ordinal))
            {
                // "warm-toned", "slow-paced": each part on its own.
                foreach (var part in token.Text.Split('-'))
                {
                    if (EnglishWords.TryGetValue(part, out var partTrait))
                    {
                        Apply(part, partTrait);
                    }
                    else if (!EnglishFiller.Contains(part))
                    {
                        ignored.Add(part);
                    }
                }
            }
            else if (!EnglishFiller.Contains(token.Text))
            {
                ignored.Add(token.Text);
            }
        }
        return new DesignedVoice(Build(traits), recognized, [.. ignored.Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Other renderings of a design (its candidates): per variant (modulo 8) an offset of pitch, range and pace and a
    /// step to a sibling espeak variant (another formant set: another timbre) of the same family. Any 4 consecutive rows
    /// (a design's candidates) differ in variant within the male and female families, and in pace by 7 % or more for
    /// the whispered and robotic voices, so they never sound alike; row 0 is the design itself.
    /// </summary>
    private static readonly (int Pitch, int Range, double Rate, int Step)[] Renderings =
    [
        (0, 0, 1.00, 0), (12, 10, 0.86, 1), (-12, -8, 1.14, 2), (6, 18, 0.93, 3),
        (-8, 6, 1.00, 4), (16, -12, 0.86, 5), (-16, 14, 1.14, 6), (9, -6, 0.93, 7),
    ];

    private static readonly string[][] Families = [["m1", "m2", "m3", "m4", "m5", "m6", "m7"], ["f1", "f2", "f3", "f4", "f5"]];

    /// <summary>The <paramref name="variant"/>th rendering of a designed voice; the same variant always gives the same voice.</summary>
    public static EspeakVoice Vary(EspeakVoice voice, int variant)
    {
        var (pitch, range, rate, step) = Renderings[(int)((uint)variant % Renderings.Length)];
        string sibling = voice.Variant;
        if (Families.FirstOrDefault(f => f.Contains(voice.Variant, StringComparer.Ordinal)) is { } family)
        {
            sibling = family[(Array.IndexOf(family, voice.Variant) + step) % family.Length];
        }
        return (voice with { Variant = sibling, Pitch = voice.Pitch + pitch, Range = voice.Range + range, Rate = (int)Math.Round(voice.Rate * rate) }).Clamped();
    }

    private static EspeakVoice Build(List<(Trait Trait, double Strength)> traits)
    {
        double Sum(Trait trait) => traits.Where(t => t.Trait == trait).Sum(t => t.Strength);
        bool Has(Trait trait) => traits.Any(t => t.Trait == trait);
        var genders = traits.Where(t => t.Trait is Trait.Male or Trait.Female).ToList();
        bool? male = genders.Count == 0 ? null : genders[^1].Trait == Trait.Male;

        bool young = Sum(Trait.Young) > Sum(Trait.Old), old = Sum(Trait.Old) > Sum(Trait.Young), child = Has(Trait.Child);
        string variant = male switch
        {
            true => old ? "m7" : young || child ? "m2" : "m3",
            false => old ? "f4" : young || child ? "f3" : "f2",
            null => child ? "f3" : "f1",
        };
        double pitch = male switch { true => 45, false => 45, null => child ? 60 : 35 };
        pitch += 22 * (Sum(Trait.High) - Sum(Trait.Low));
        pitch += (12 * Sum(Trait.Young)) + (25 * Sum(Trait.Child)) - (10 * Sum(Trait.Old)) - (6 * Sum(Trait.Warm));

        double rate = EspeakVoice.DefaultRate;
        rate *= Math.Pow(1.28, Sum(Trait.Fast) - Sum(Trait.Slow));
        rate *= Math.Pow(1.05, Sum(Trait.Young) + Sum(Trait.Lively) - Sum(Trait.Old) - Sum(Trait.Narrator));

        double range = 50 + (28 * Sum(Trait.Lively)) - (30 * Sum(Trait.Flat)) + (10 * Sum(Trait.Narrator)) + (6 * Sum(Trait.Warm));
        double volume = 100 + (45 * Sum(Trait.Loud)) - (30 * Sum(Trait.Soft));

        if (Has(Trait.Whisper))
        {
            variant = male == true ? "whisper" : "whisperf";
        }
        if (Has(Trait.Robotic))
        {
            variant = "robosoft";
            range = Math.Min(range, 10);
        }
        return new EspeakVoice(variant, (int)Math.Round(pitch), (int)Math.Round(range), (int)Math.Round(rate), (int)Math.Round(volume)).Clamped();
    }

    private static void ScanChinese(string text, Action<string, Trait> apply, List<string> ignored)
    {
        var unknown = new StringBuilder();
        void FlushUnknown()
        {
            string rest = unknown.ToString();
            foreach (string filler in ChineseFiller)
            {
                rest = rest.Replace(filler, " ", StringComparison.Ordinal);
            }
            ignored.AddRange(rest.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            unknown.Clear();
        }
        int i = 0;
        while (i < text.Length)
        {
            var match = ChineseWords.FirstOrDefault(w => string.CompareOrdinal(text, i, w.Word, 0, w.Word.Length) == 0);
            if (match.Word is null)
            {
                unknown.Append(text[i]);
                i++;
                continue;
            }
            FlushUnknown();
            apply(match.Word, match.Trait);
            i += match.Word.Length;
        }
        FlushUnknown();
    }

    private static IEnumerable<(string Text, bool IsChinese)> Tokenize(string description)
    {
        foreach (Match match in TokenPattern().Matches(description.ToLowerInvariant()))
        {
            yield return (match.Value, match.Groups["han"].Success);
        }
    }

    private static Trait? Opposite(Trait trait) => trait switch
    {
        Trait.Male => Trait.Female, Trait.Female => Trait.Male, Trait.Young => Trait.Old, Trait.Old => Trait.Young,
        Trait.Low => Trait.High, Trait.High => Trait.Low, Trait.Slow => Trait.Fast, Trait.Fast => Trait.Slow,
        Trait.Lively => Trait.Flat, Trait.Flat => Trait.Lively, Trait.Loud => Trait.Soft, Trait.Soft => Trait.Loud,
        _ => null,
    };

    private static string Describe(Trait trait) => trait switch
    {
        Trait.Male => "male", Trait.Female => "female", Trait.Young => "younger", Trait.Old => "older", Trait.Child => "child-like",
        Trait.Low => "lower pitch", Trait.High => "higher pitch", Trait.Slow => "slower", Trait.Fast => "faster",
        Trait.Lively => "more intonation", Trait.Flat => "less intonation", Trait.Loud => "louder", Trait.Soft => "softer",
        Trait.Whisper => "whispered", Trait.Robotic => "robotic", Trait.Warm => "warmer", Trait.Narrator => "narration pace",
        _ => trait.ToString().ToLowerInvariant(),
    };

    [GeneratedRegex(@"(?<han>\p{IsCJKUnifiedIdeographs}+)|[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*")]
    private static partial Regex TokenPattern();
}
