using Voice.ApiService.Model;
using Voice.Core.Jobs;

namespace Voice.ApiService.Apis;

/// <summary>How a dialogue task shows its turns, its usage per voice and its words.</summary>
public static class DialogueViews
{
    /// <summary>
    /// The turns and, once completed, the usage per voice: a turn's characters (code points, as billed) and its audio from
    /// its start to the next turn's start (the last to the end), so the voices add up to the task's usage record.
    /// </summary>
    public static DialogueView Describe(DialogueScript script, string text, JobResult? result)
    {
        var parts = script.Split(text).ToList();
        var starts = result?.TurnStartsMs is { } s && s.Count == parts.Count ? s : null;
        var turns = parts.Select((p, i) => new DialogueTurnView(p.Turn.Voice, p.Turn.Language, JobAdmission.Characters(p.Text), starts?[i] / 1000.0)).ToList();
        List<VoiceUsageView>? usage = null;
        if (starts is not null)
        {
            usage = [.. parts.Select((p, i) => (p.Turn.Voice, Characters: JobAdmission.Characters(p.Text),
                    Ms: (i + 1 < starts.Count ? starts[i + 1] : result!.DurationMs) - starts[i]))
                .GroupBy(t => t.Voice)
                .Select(g => new VoiceUsageView(g.Key, g.Count(), g.Sum(t => t.Characters), g.Sum(t => t.Ms) / 1000.0))];
        }
        return new DialogueView(script.PauseMs, turns, usage);
    }

    /// <summary>Each word with its turn and voice, its character offsets into that turn's text.</summary>
    public static List<WordTimestampView> Words(DialogueScript script, string text, IReadOnlyList<WordTimestamp> words)
    {
        var codePoints = WordTimestamps.CodePointIndexes(text);
        var turnStarts = script.Split(text).Select(p => (p.Turn.Voice, Start: codePoints[p.Start])).ToList();
        var views = new List<WordTimestampView>(words.Count);
        foreach (var w in WordTimestamps.Describe(text, words))
        {
            int turn = turnStarts.FindLastIndex(t => t.Start <= w.StartChar);
            var (voice, start) = turnStarts[Math.Max(0, turn)];
            views.Add(new WordTimestampView(w.Word, w.Start, w.End, w.StartChar - start, w.EndChar - start, Math.Max(0, turn), voice));
        }
        return views;
    }
}
