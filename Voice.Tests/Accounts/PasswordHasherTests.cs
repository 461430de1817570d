using Voice.ApiService.Accounts;

namespace Voice.Tests.Accounts;

public sealed class PasswordHasherTests
{
    [Fact]
    public async Task HashIsAnArgon2idPhcStringThatVerifiesOnlyItsPassword()
    {
        string hash = await PasswordHasher.HashAsync("correct horse battery staple", CancellationToken.None);

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", hash);
        Assert.True(await PasswordHasher.VerifyAsync("correct horse battery staple", hash, CancellationToken.None));
        Assert.False(await PasswordHasher.VerifyAsync("correct horse battery stapler", hash, CancellationToken.None));
    }

    [Fact]
    public async Task SamePasswordHashesDifferentlyEachTime()
    {
        Assert.NotEqual(await PasswordHasher.HashAsync("the same password", CancellationToken.None),
            await PasswordHasher.HashAsync("the same password", CancellationToken.None));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain-text")]
    [InlineData("$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")]
    [InlineData("$bcrypt$whatever")]
    public async Task ForeignOrCorruptHashesNeverVerify(string stored)
    {
        Assert.False(await PasswordHasher.VerifyAsync("anything", stored, CancellationToken.None));
    }

    [Fact]
    public async Task ABurstOfHashesWaitsForSlotsInsteadOfRunningAllAtOnce()
    {
        // Each on its own thread, so without the slots all of them would run at once whatever the thread pool's size.
        int burst = PasswordHasher.MaxConcurrent * 3;
        string stored = await PasswordHasher.HashAsync("correct horse battery staple", CancellationToken.None);
        PasswordHasher.ResetPeakRunning();
        using var start = new ManualResetEventSlim();

        var attempts = Enumerable.Range(0, burst).Select(i => Task.Factory.StartNew(() =>
        {
            start.Wait();
            return PasswordHasher.VerifyAsync($"wrong password {i}", stored, CancellationToken.None).GetAwaiter().GetResult();
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        start.Set();
        bool[] results = await Task.WhenAll(attempts).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.All(results, Assert.False);
        Assert.InRange(PasswordHasher.PeakRunning, 1, PasswordHasher.MaxConcurrent);
    }
}
