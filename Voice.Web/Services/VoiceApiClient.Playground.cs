using System.Globalization;

namespace Voice.Web.Services;

/// <summary>The playground's and the jobs pages' calls: the task list with text and length, what each job cost, audio with ranges.</summary>
public sealed partial class VoiceApiClient
{
    public async Task<TaskItemList> ListTaskItemsAsync(string? status, Guid? before, int limit, CancellationToken cancellationToken)
    {
        string query = $"/api/v1/tasks?limit={limit}{(status is null ? "" : "&status=" + Uri.EscapeDataString(status))}{(before is null ? "" : $"&before={before}")}";
        return (await SendAsync<TaskItemList>(HttpMethod.Get, query, null, authenticated: true, cancellationToken)).Value ?? new TaskItemList([], null);
    }

    /// <summary>
    /// What each job since <paramref name="from"/> cost, by job id (from the usage records, one page); empty when the
    /// caller may not read usage.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, JobCostRecord>> ListJobCostsAsync(DateTimeOffset from, CancellationToken cancellationToken)
    {
        string since = Uri.EscapeDataString(from.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        var page = (await SendAsync<JobCostPage>(HttpMethod.Get, $"/api/v1/usage/records?from={since}&limit=1000", null, authenticated: true, cancellationToken)).Value;
        return (page?.Data ?? []).Where(r => r.JobId is not null).GroupBy(r => r.JobId!.Value)
            .ToDictionary(g => g.Key, g => new JobCostRecord(g.Key, g.Sum(r => r.Cost), g.First().Currency));
    }

    /// <summary>Opens the result through its signed URL, passing on the browser's byte range (the API answers 206 for one).</summary>
    public async Task<HttpResponseMessage> OpenResultAsync(string resultUrl, string? range, string? ifRange, CancellationToken cancellationToken)
    {
        var signed = new Uri(resultUrl, UriKind.Absolute);
        using var request = new HttpRequestMessage(HttpMethod.Get, signed.PathAndQuery);
        if (range is { Length: > 0 })
        {
            request.Headers.TryAddWithoutValidation("Range", range);
        }
        if (ifRange is { Length: > 0 })
        {
            request.Headers.TryAddWithoutValidation("If-Range", ifRange);
        }
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }
}
