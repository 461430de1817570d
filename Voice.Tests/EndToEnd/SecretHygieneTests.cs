using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.EndToEnd;

/// <summary>Secrets the platform handles never reach its logs, whatever the services log about the requests.</summary>
[Collection(AppCollection.Name)]
public sealed class SecretHygieneTests(VoiceAppFixture app)
{
    [Fact]
    public async Task PasswordsKeysSessionsSignaturesAndMasterSecretsAreNeverLogged()
    {
        // Every kind of secret in play: a password and the session it opens, an API key, a webhook secret, a
        // result URL's signature, a wrong key tried, and the platform's own master key and admin token.
        string slug = "s-" + Guid.NewGuid().ToString("N")[..12];
        string password = "pw-" + RandomNumberGenerator.GetHexString(24);
        using var anonymous = app.CreateApiClient();
        using var signup = await anonymous.PostAsJsonAsync("/api/v1/auth/signup", new { tenant_name = "Hygiene", slug, email = $"owner@{slug}.test", password });
        Assert.Equal(HttpStatusCode.Created, signup.StatusCode);
        using var login = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { tenant = slug, email = $"owner@{slug}.test", password });
        string session = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("session_token").GetString()!;
        using var owner = app.CreatePortalClient(session);
        await app.VerifyEmailAsync($"owner@{slug}.test");
        using var created = await owner.PostAsJsonAsync("/api/v1/keys", new { name = "hygiene" });
        string key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        using var api = app.CreateApiClient(key);
        using var hook = await api.PostAsJsonAsync("/api/v1/webhooks", new { url = "http://127.0.0.1:9/hook" });
        string hookSecret = (await hook.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        using var submitted = await api.PostAsJsonAsync("/api/v1/voice/generate", new { text = "Keep my secrets." });
        var taskId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        var done = await TaskPolling.WaitForFinishAsync(api, taskId, TimeSpan.FromSeconds(60));
        string resultUrl = done.GetProperty("result_url").GetString()!;
        string signature = System.Web.HttpUtility.ParseQueryString(new Uri(resultUrl).Query)["signature"]!;
        using (var plain = new HttpClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await plain.GetAsync(resultUrl)).StatusCode);
        }
        string wrongKey = key[..^6] + "AAAAAA";
        using var intruder = app.CreateApiClient(wrongKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await intruder.GetAsync("/api/v1/tenant")).StatusCode);
        // Let the services' logs arrive: the worker's line about this task is the last to be written; a slow
        // machine gets up to 30 s for it (and one more second for the others).
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(30)
             && !app.LogOf("worker", int.MaxValue).Contains(taskId.ToString(), StringComparison.Ordinal);)
        {
            await Task.Delay(200);
        }
        await Task.Delay(TimeSpan.FromSeconds(1));

        var secrets = new Dictionary<string, string>
        {
            ["password"] = password, ["session token"] = session, ["API key"] = key, ["API key secret part"] = key[^20..],
            ["webhook secret"] = hookSecret, ["result signature"] = signature, ["wrong key"] = wrongKey,
            ["master key"] = app.MasterKey, ["admin token"] = app.AdminToken,
        };
        // The capture does see this test's requests (the worker logs the task's completion by id).
        Assert.Contains(taskId.ToString(), app.LogOf("worker", int.MaxValue), StringComparison.Ordinal);
        foreach (string service in new[] { "api", "api-b", "worker", "web" })
        {
            string log = app.LogOf(service, int.MaxValue);
            Assert.True(log.Length > 1000, $"{service} logged almost nothing ({log.Length} characters): the check would prove nothing");
            foreach (var (name, secret) in secrets)
            {
                Assert.False(log.Contains(secret, StringComparison.Ordinal), $"the {name} appears in the {service} log");
            }
        }
    }
}
