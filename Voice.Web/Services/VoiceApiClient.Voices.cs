namespace Voice.Web.Services;

/// <summary>The voice library's calls: the library with its presets' details, previews, and designs with candidates.</summary>
public sealed partial class VoiceApiClient
{
    /// <summary>The presets (with gender and languages) and the tenant's voices, newest first.</summary>
    public async Task<VoiceLibraryView> GetVoiceLibraryAsync(CancellationToken cancellationToken) =>
        (await SendAsync<VoiceLibraryView>(HttpMethod.Get, "/api/v1/voices?limit=100", null, authenticated: true, cancellationToken)).Value ?? new VoiceLibraryView([], []);

    /// <summary>Queues a short sample of a voice (by id) or a preset (by name): a billed speech task, so callers cache it.</summary>
    public Task<(Accepted? Accepted, ProblemBody? Problem)> PreviewVoiceAsync(string id, string? language, CancellationToken cancellationToken) =>
        SendAsync<Accepted>(HttpMethod.Post, $"/api/v1/voices/{Uri.EscapeDataString(id)}/preview", new { language }, authenticated: true, cancellationToken);

    public Task<(VoiceDesignView? Design, ProblemBody? Problem)> CreateDesignAsync(string description, string language, string? name, int candidates,
        CancellationToken cancellationToken) =>
        SendAsync<VoiceDesignView>(HttpMethod.Post, "/api/v1/voices/designs", new { description, language, name, candidates }, authenticated: true, cancellationToken);

    public async Task<VoiceDesignView?> GetDesignAsync(Guid id, CancellationToken cancellationToken) =>
        (await SendAsync<VoiceDesignView>(HttpMethod.Get, $"/api/v1/voices/designs/{id}", null, authenticated: true, cancellationToken)).Value;

    public Task<(VoiceView? Voice, ProblemBody? Problem)> KeepCandidateAsync(Guid designId, Guid voiceId, string? name, CancellationToken cancellationToken) =>
        SendAsync<VoiceView>(HttpMethod.Post, $"/api/v1/voices/designs/{designId}/keep", new { voiceId, name }, authenticated: true, cancellationToken);

    public Task<bool> DiscardDesignAsync(Guid id, CancellationToken cancellationToken) =>
        DeleteAsync($"/api/v1/voices/designs/{id}", cancellationToken);

    /// <summary>A task's status, or the problem that kept it (a rate limit is not a missing task).</summary>
    public Task<(TaskView? Value, ProblemBody? Problem)> GetTaskOrProblemAsync(Guid id, CancellationToken cancellationToken) =>
        SendAsync<TaskView>(HttpMethod.Get, $"/api/v1/task/{id}", null, authenticated: true, cancellationToken);
}
