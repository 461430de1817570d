namespace Voice.ApiService.Submissions;

/// <summary>What a speech submission needs: its validation and its submission.</summary>
public sealed class SpeechServices(SpeechRequests requests, SpeechSubmissions submissions)
{
    public SpeechRequests Requests { get; } = requests;

    public SpeechSubmissions Submissions { get; } = submissions;
}
