using System.Net.Http.Json;
using System.Text.Json;

namespace Voice.Tests.Infrastructure;

public static class TaskPolling
{
    /// <summary>Polls a task until it leaves queued/running, within <paramref name="timeout"/>.</summary>
    public static async Task<JsonElement> WaitForFinishAsync(HttpClient client, Guid taskId, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var status = await client.GetFromJsonAsync<JsonElement>($"/api/v1/task/{taskId}", cts.Token);
            string state = status.GetProperty("status").GetString()!;
            if (state is not ("queued" or "running"))
            {
                return status;
            }
            await Task.Delay(delay, cts.Token);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 1.5, 500));
        }
    }
}
