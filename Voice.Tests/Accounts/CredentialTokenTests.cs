using Voice.ApiService.Accounts;

namespace Voice.Tests.Accounts;

public sealed class CredentialTokenTests
{
    [Fact]
    public void NewApiKeyRoundTripsThroughItsTextForm()
    {
        var key = CredentialToken.NewApiKey();

        Assert.True(CredentialToken.TryParse(key.ToString(), out var parsed));
        Assert.Equal(key, parsed);
        Assert.StartsWith("vk_live_", key.ToString());
        Assert.Equal(CredentialKind.ApiKey, parsed.Value.Kind);
    }

    [Fact]
    public void NewSessionRoundTripsAndIsASession()
    {
        var session = CredentialToken.NewSession();

        Assert.True(CredentialToken.TryParse(session.ToString(), out var parsed));
        Assert.Equal(CredentialKind.Session, parsed!.Value.Kind);
        Assert.StartsWith("vs_", session.ToString());
    }

    [Fact]
    public void GeneratedTokensAreUnique()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => CredentialToken.NewApiKey().ToString()).ToHashSet();

        Assert.Equal(1000, keys.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("vk_live_")]
    [InlineData("sk_live_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef")]
    [InlineData("vk_prod_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef")]
    [InlineData("vk_live_ABCDEFGHIJKL_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef")]   // upper-case id
    [InlineData("vk_live_abcdefghijkl-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef")]   // wrong separator
    [InlineData("vk_live_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZabcde!")]   // symbol in secret
    [InlineData("vk_live_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg")]  // one too long
    [InlineData("vk_live_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZabcde")]    // one too short
    [InlineData("vs_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefXXXXX")]    // session with a key's length
    public void MalformedTokensAreRejected(string? text)
    {
        Assert.False(CredentialToken.TryParse(text, out _));
    }

    [Fact]
    public void OversizedInputIsRejectedWithoutScanningIt()
    {
        Assert.False(CredentialToken.TryParse("vk_live_" + new string('a', 100_000), out _));
    }

    [Fact]
    public void OnlyTheExactTokenMatchesItsStoredHash()
    {
        var key = CredentialToken.NewApiKey();
        var stored = key.Hash();
        var sameId = key with { Secret = CredentialToken.NewApiKey().Secret };

        Assert.True(key.Matches(stored));
        Assert.False(sameId.Matches(stored));
        Assert.Equal(32, stored.Length);
    }
}
