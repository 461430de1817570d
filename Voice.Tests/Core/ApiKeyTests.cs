using Voice.Core.Tenancy;

namespace Voice.Tests.Core;

public sealed class ApiKeyTests
{
    [Fact]
    public void GeneratedKeyRoundTripsThroughItsTextForm()
    {
        var key = ApiKey.Generate();

        Assert.True(ApiKey.TryParse(key.ToString(), out var parsed));
        Assert.Equal(key, parsed);
        Assert.StartsWith("vk_live_", key.ToString());
    }

    [Fact]
    public void GeneratedKeysAreUnique()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => ApiKey.Generate().ToString()).ToHashSet();

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
    public void MalformedKeysAreRejected(string? text)
    {
        Assert.False(ApiKey.TryParse(text, out _));
    }

    [Fact]
    public void OnlyTheExactKeyMatchesItsStoredHash()
    {
        var key = ApiKey.Generate();
        var stored = key.Hash();
        var sameId = key with { Secret = ApiKey.Generate().Secret };

        Assert.True(key.Matches(stored));
        Assert.False(sameId.Matches(stored));
        Assert.Equal(32, stored.Length);
    }
}
