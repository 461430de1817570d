using Voice.ApiService.Accounts;

namespace Voice.Tests.Accounts;

public sealed class PasswordHasherTests
{
    [Fact]
    public void HashIsAnArgon2idPhcStringThatVerifiesOnlyItsPassword()
    {
        string hash = PasswordHasher.Hash("correct horse battery staple");

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", hash);
        Assert.True(PasswordHasher.Verify("correct horse battery staple", hash));
        Assert.False(PasswordHasher.Verify("correct horse battery stapler", hash));
    }

    [Fact]
    public void SamePasswordHashesDifferentlyEachTime()
    {
        Assert.NotEqual(PasswordHasher.Hash("the same password"), PasswordHasher.Hash("the same password"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain-text")]
    [InlineData("$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")]
    [InlineData("$bcrypt$whatever")]
    public void ForeignOrCorruptHashesNeverVerify(string stored)
    {
        Assert.False(PasswordHasher.Verify("anything", stored));
    }
}
