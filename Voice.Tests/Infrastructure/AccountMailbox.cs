using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Voice.Tests.Infrastructure;

/// <summary>Account mail as a person receives it: the development mailbox, read through the admin API.</summary>
public static class AccountMailbox
{
    /// <summary>The token of the newest mail of <paramref name="kind"/> held for <paramref name="to"/>.</summary>
    public static async Task<string> TokenAsync(this VoiceAppFixture app, string to, string kind)
    {
        using var admin = app.CreateAdminClient();
        var mails = await admin.GetFromJsonAsync<JsonElement>($"/admin/v1/mailbox?to={Uri.EscapeDataString(to)}");
        var mail = mails.EnumerateArray().FirstOrDefault(m => m.GetProperty("kind").GetString() == kind);
        Assert.True(mail.ValueKind == JsonValueKind.Object, $"No {kind} mail for {to}: {mails}");
        return mail.GetProperty("token").GetString()!;
    }

    /// <summary>Verifies a signed-up owner's address with the token from their verification mail, as its link does.</summary>
    public static async Task VerifyEmailAsync(this VoiceAppFixture app, string email)
    {
        string token = await app.TokenAsync(email, "email_verification");
        using var anonymous = app.CreateApiClient();
        using var verified = await anonymous.PostAsJsonAsync("/api/v1/auth/verify-email", new { token });
        Assert.Equal(HttpStatusCode.NoContent, verified.StatusCode);
    }
}
