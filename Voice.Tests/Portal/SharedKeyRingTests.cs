using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Voice.Web.Security;

namespace Voice.Tests.Portal;

/// <summary>Portal replicas share cookie and anti-forgery keys through one secret, not through storage.</summary>
public sealed class SharedKeyRingTests
{
    [Fact]
    public void ReplicasWithTheSameSecretReadEachOthersCookies()
    {
        string secret = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 48);
        using var first = Replica(secret);
        using var second = Replica(secret);
        string cookie = Protector(first).Protect("signed in as ada");
        Assert.Equal("signed in as ada", Protector(second).Unprotect(cookie));

        using var other = Replica(RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 48));
        Assert.ThrowsAny<CryptographicException>(() => Protector(other).Unprotect(cookie));
    }

    [Fact]
    public void WithoutTheSettingTheDefaultKeysApply()
    {
        var services = new ServiceCollection();
        services.AddSharedKeyRing(new ConfigurationBuilder().Build());
        Assert.Empty(services);
    }

    private static ServiceProvider Replica(string secret)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSharedKeyRing(new ConfigurationBuilder().AddInMemoryCollection([new(SharedKeyRing.SettingName, secret)]).Build());
        return services.BuildServiceProvider();
    }

    private static IDataProtector Protector(IServiceProvider replica) =>
        replica.GetRequiredService<IDataProtectionProvider>().CreateProtector("Microsoft.AspNetCore.Authentication.Cookies");
}
