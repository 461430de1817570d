using System.Net;
using System.Net.Http.Json;
using Voice.Tests.Api;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Hostile;

/// <summary>Free tenants are not farmed from one network: at most 20 sign-ups an hour per IPv4 /24 or IPv6 /48 (the default).</summary>
[Collection(AppCollection.Name)]
public sealed class SignUpCapTests(VoiceAppFixture app)
{
    private const int Cap = 20;

    [Theory]
    [InlineData("203.0.113.{0}", "198.51.100.9")] // every host of one /24; another /24 is another network
    [InlineData("2001:db8:5e:{0:x}::1", "2001:db8:5f::1")] // a new /64 each time, all in one /48
    public async Task SignUpsPastTheCapFromOneNetworkAre429WithRetryAfter(string addresses, string elsewhere)
    {
        await FixedWindows.AwayFromEdgeAsync(TimeSpan.FromHours(1), TimeSpan.FromSeconds(90));
        for (int i = 1; i <= Cap; i++)
        {
            using var created = await SignUpFromAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, addresses, i));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var refused = await SignUpFromAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, addresses, Cap + 1));

        await GenerateValidationTests.AssertProblemAsync(refused, HttpStatusCode.TooManyRequests, "https://voice.dev/problems/too-many-sign-ups");
        Assert.True(refused.Headers.RetryAfter?.Delta is { } wait && wait > TimeSpan.Zero && wait <= TimeSpan.FromHours(1));
        using var other = await SignUpFromAsync(elsewhere);
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
    }

    private async Task<HttpResponseMessage> SignUpFromAsync(string address)
    {
        using var client = app.CreateApiClient();
        client.DefaultRequestHeaders.Remove("X-Forwarded-For");
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        string slug = "cap-" + Guid.NewGuid().ToString("N")[..10];
        return await client.PostAsJsonAsync("/api/v1/auth/signup", new { tenant_name = "Farm", slug, email = $"o@{slug}.test", password = "a long enough password" });
    }
}
