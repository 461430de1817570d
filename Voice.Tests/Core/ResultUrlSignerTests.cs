using Microsoft.Extensions.Time.Testing;
using Voice.Core.Crypto;

namespace Voice.Tests.Core;

public sealed class ResultUrlSignerTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-11-28T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly ResultUrlSigner _signer;
    private readonly Guid _tenant = Guid.NewGuid();
    private readonly Guid _job = Guid.NewGuid();

    public ResultUrlSignerTests()
    {
        _signer = new ResultUrlSigner(new MasterKey(new string('k', 48)), _clock);
    }

    [Fact]
    public void SignedLinkVerifiesUntilItExpires()
    {
        var (expires, signature) = _signer.Sign(_tenant, _job, TimeSpan.FromMinutes(10));

        Assert.True(_signer.Verify(_tenant, _job, expires, signature));
        _clock.Advance(TimeSpan.FromMinutes(11));
        Assert.False(_signer.Verify(_tenant, _job, expires, signature));
    }

    [Fact]
    public void LinkCannotBeMovedToAnotherJobOrTenantOrExtended()
    {
        var (expires, signature) = _signer.Sign(_tenant, _job, TimeSpan.FromMinutes(10));

        Assert.False(_signer.Verify(Guid.NewGuid(), _job, expires, signature));
        Assert.False(_signer.Verify(_tenant, Guid.NewGuid(), expires, signature));
        Assert.False(_signer.Verify(_tenant, _job, expires + 3600, signature));
        Assert.False(_signer.Verify(_tenant, _job, expires, null));
        Assert.False(_signer.Verify(_tenant, _job, expires, signature[..^1] + (signature[^1] == 'A' ? 'B' : 'A')));
    }

    [Fact]
    public void AnotherMasterKeyProducesDifferentSignatures()
    {
        var other = new ResultUrlSigner(new MasterKey(new string('z', 48)), _clock);
        var (expires, signature) = _signer.Sign(_tenant, _job, TimeSpan.FromMinutes(10));

        Assert.False(other.Verify(_tenant, _job, expires, signature));
    }

    [Fact]
    public void ShortMasterKeyIsRefused()
    {
        Assert.Throws<ArgumentException>(() => new MasterKey("too-short"));
    }
}
