using Microsoft.Extensions.Caching.Memory;

namespace Voice.Web.Services;

/// <summary>
/// Which preview task speaks each voice's sample, per tenant + voice + language, so that listening again neither
/// re-bills nor re-queues. Kept in the portal's memory: the portal keeps no data of its own and reaches only the
/// API (no Redis), and a preview is a cheap sentence, so a restart or a second replica costs at most one more.
/// The API keeps the audio for the plan's retention; an entry whose task failed or lost its audio is forgotten and
/// queued again. Design candidates arrive with their preview task, which is remembered here as it is.
/// </summary>
public sealed class VoicePreviewCache(IMemoryCache cache)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);
    private readonly Lock _gate = new();

    /// <summary>The task that speaks the sample: the remembered one, else one <paramref name="queue"/> makes (once, however many ask at once).</summary>
    public async Task<(Guid? Task, ProblemBody? Problem)> GetOrQueueAsync(string tenant, string voice, string? language,
        Func<Task<(Guid? Task, ProblemBody? Problem)>> queue)
    {
        var key = Key(tenant, voice, language);
        Task<(Guid? Task, ProblemBody? Problem)> pending;
        lock (_gate)
        {
            pending = cache.GetOrCreate(key, entry =>
            {
                entry.AbsoluteExpirationRelativeToNow = Lifetime;
                return queue();
            })!;
        }
        try
        {
            var result = await pending;
            if (result.Task is null)
            {
                Forget(tenant, voice, language); // a refusal (quota, rate) is not remembered: the next listen asks again
            }
            return result;
        }
        catch
        {
            Forget(tenant, voice, language); // nor is a failed call
            throw;
        }
    }

    public void Remember(string tenant, string voice, string? language, Guid task) =>
        cache.Set(Key(tenant, voice, language), Task.FromResult<(Guid?, ProblemBody?)>((task, null)), Lifetime);

    public void Forget(string tenant, string voice, string? language) => cache.Remove(Key(tenant, voice, language));

    private static (string, string, string, string) Key(string tenant, string voice, string? language) => ("preview", tenant, voice, language ?? "");
}
