using System.Text.Json;

namespace Voice.Worker.Jobs;

/// <summary>A failed job's error as the client will see it: a problem document without internals.</summary>
public static class JobProblems
{
    public static string Json(string type, string detail) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["type"] = $"https://voice.dev/problems/{type}",
        ["title"] = type switch
        {
            "attempts-exhausted" => "The job failed on every attempt.",
            "voice-not-found" => "The voice does not exist.",
            "voice-failed" => "The voice could not be prepared.",
            _ => "Speech synthesis failed.",
        },
        ["status"] = type is "voice-not-found" or "voice-failed" ? 422 : 500,
        ["detail"] = detail,
    });
}
