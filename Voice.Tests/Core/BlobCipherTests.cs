using System.Security.Cryptography;
using Voice.Core.Crypto;

namespace Voice.Tests.Core;

/// <summary>The at-rest format: round trips of every size class, and every kind of tampering detected.</summary>
public sealed class BlobCipherTests
{
    private const int Segment = 1024; // small segments, so "many segments" stays small
    private static readonly Guid Tenant = Guid.NewGuid();
    private const string Path = "results/abc-1.wav";
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Segment - 1)]
    [InlineData(Segment)]
    [InlineData(Segment + 1)]
    [InlineData((Segment * 7) + 123)]
    [InlineData(Segment * 8)]
    public async Task RoundTripsAnySizeAndKnowsItsLengths(int size)
    {
        byte[] plaintext = RandomNumberGenerator.GetBytes(size);

        byte[] encrypted = await EncryptAsync(plaintext);

        Assert.Equal(BlobCipher.EncryptedLength(size, Segment), encrypted.Length);
        Assert.Equal(size, BlobCipher.PlaintextLength(encrypted.Length, Segment));
        Assert.Equal(plaintext, await DecryptAsync(encrypted));
    }

    [Fact]
    public async Task SeeksToAnyByteByDecryptingOneSegment()
    {
        byte[] plaintext = RandomNumberGenerator.GetBytes((Segment * 5) + 77);
        byte[] encrypted = await EncryptAsync(plaintext);
        await using var stream = Open(encrypted);

        Assert.True(stream.CanSeek);
        Assert.Equal(plaintext.Length, stream.Length);
        foreach (int at in new[] { 0, 1, Segment - 1, Segment, (Segment * 3) + 5, plaintext.Length - 1 })
        {
            stream.Position = at;
            var buffer = new byte[Math.Min(300, plaintext.Length - at)];
            await stream.ReadExactlyAsync(buffer);
            Assert.Equal(plaintext.AsSpan(at, buffer.Length).ToArray(), buffer);
        }
        stream.Position = plaintext.Length;
        Assert.Equal(0, await stream.ReadAsync(new byte[10]));
    }

    [Fact]
    public async Task FlippingAnyBitOfHeaderCiphertextOrTagIsDetected()
    {
        byte[] plaintext = RandomNumberGenerator.GetBytes((Segment * 2) + 100);
        byte[] encrypted = await EncryptAsync(plaintext);
        int undetected = 0, checkedBits = 0;
        // Every byte of the header, then every 7th byte of the body (each segment's ciphertext and tag), one bit each.
        var positions = Enumerable.Range(0, BlobCipher.HeaderSize).Concat(Enumerable.Range(BlobCipher.HeaderSize, encrypted.Length - BlobCipher.HeaderSize).Where(i => i % 7 == 0));
        foreach (int position in positions)
        {
            byte[] damaged = (byte[])encrypted.Clone();
            damaged[position] ^= (byte)(1 << (position % 8));
            checkedBits++;
            var (failure, output) = await TryDecryptAsync(damaged);
            if (failure is null)
            {
                undetected++;
                continue;
            }
            // Whatever came out before the failure is an untouched prefix of segments before the damaged one.
            Assert.Equal(plaintext.AsSpan(0, output.Length).ToArray(), output);
            Assert.True(output.Length <= Math.Max(0, position - BlobCipher.HeaderSize) / (Segment + BlobCipher.TagSize) * Segment);
        }
        Assert.Equal(0, undetected);
        Assert.True(checkedBits > 300);
    }

    [Fact]
    public async Task ReorderedDroppedDuplicatedOrCutSegmentsAreDetected()
    {
        byte[] encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes((Segment * 3) + 10));
        var header = encrypted[..BlobCipher.HeaderSize];
        var segments = Enumerable.Range(0, 4).Select(i => encrypted.Skip(BlobCipher.HeaderSize + (i * (Segment + 16))).Take(Segment + 16).ToArray()).ToList();

        byte[] Join(params byte[][] parts) => [.. header, .. parts.SelectMany(p => p)];
        var cases = new Dictionary<string, (byte[] Bytes, BlobCipherFailure Expected)>
        {
            ["swapped"] = (Join(segments[1], segments[0], segments[2], segments[3]), BlobCipherFailure.Tampered),
            ["dropped middle"] = (Join(segments[0], segments[2], segments[3]), BlobCipherFailure.Tampered),
            ["duplicated"] = (Join(segments[0], segments[0], segments[1], segments[2], segments[3]), BlobCipherFailure.Tampered),
            ["appended"] = (Join(segments[0], segments[1], segments[2], segments[3], segments[3]), BlobCipherFailure.Tampered),
            ["last segment dropped"] = (Join(segments[0], segments[1], segments[2]), BlobCipherFailure.Truncated),
            ["cut inside the last segment"] = (encrypted[..^5], BlobCipherFailure.Tampered),
            ["cut to the header"] = (header, BlobCipherFailure.Truncated),
            ["empty"] = ([], BlobCipherFailure.NotEncrypted),
            ["plain WAV"] = ("RIFF\0\0\0\0WAVEfmt "u8.ToArray().Concat(new byte[40]).ToArray(), BlobCipherFailure.NotEncrypted),
        };
        foreach (var (name, (bytes, expected)) in cases)
        {
            var (failure, _) = await TryDecryptAsync(bytes);
            Assert.True(failure == expected, $"{name}: {failure?.ToString() ?? "decrypted"} instead of {expected}");
        }
    }

    [Fact]
    public async Task AnObjectMovedToAnotherPathOrTenantOrOpenedWithAnotherKeyDoesNotDecrypt()
    {
        byte[] encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(500));

        Assert.Equal(BlobCipherFailure.Tampered, (await TryDecryptAsync(encrypted, path: "results/other-1.wav")).Failure);
        Assert.Equal(BlobCipherFailure.Tampered, (await TryDecryptAsync(encrypted, tenant: Guid.NewGuid())).Failure);
        Assert.Equal(BlobCipherFailure.Tampered, (await TryDecryptAsync(encrypted, key: RandomNumberGenerator.GetBytes(32))).Failure);
    }

    [Fact]
    public async Task TheSamePlaintextEncryptsDifferentlyEachTimeAndShowsNoneOfItself()
    {
        byte[] plaintext = [.. Enumerable.Repeat("RIFF....WAVEfmt data"u8.ToArray(), 200).SelectMany(b => b)];

        byte[] first = await EncryptAsync(plaintext), second = await EncryptAsync(plaintext);

        Assert.NotEqual(first[BlobCipher.HeaderSize..], second[BlobCipher.HeaderSize..]);
        Assert.Equal(-1, first.AsSpan().IndexOf("WAVEfmt"u8));
    }

    private async Task<byte[]> EncryptAsync(byte[] plaintext)
    {
        await using var encrypted = BlobCipher.Encrypt(new MemoryStream(plaintext), _key, BlobCipher.NewHeader(3, Segment), Tenant, Path);
        using var output = new MemoryStream();
        await encrypted.CopyToAsync(output, 100); // small reads: the stream must not depend on how it is read
        return output.ToArray();
    }

    private Stream Open(byte[] encrypted, byte[]? key = null, Guid? tenant = null, string path = Path)
    {
        var header = BlobCipher.ParseHeader(encrypted);
        var stream = new MemoryStream(encrypted) { Position = BlobCipher.HeaderSize };
        return BlobCipher.Decrypt(stream, key ?? _key, header, tenant ?? Tenant, path);
    }

    private async Task<byte[]> DecryptAsync(byte[] encrypted)
    {
        await using var stream = Open(encrypted);
        using var output = new MemoryStream();
        await stream.CopyToAsync(output, 333);
        return output.ToArray();
    }

    /// <summary>The failure, or null when it decrypted; and whatever plaintext came out before it.</summary>
    private async Task<(BlobCipherFailure? Failure, byte[] Output)> TryDecryptAsync(byte[] encrypted, byte[]? key = null, Guid? tenant = null, string path = Path)
    {
        using var output = new MemoryStream();
        try
        {
            await using var stream = Open(encrypted, key, tenant, path);
            var buffer = new byte[333];
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                output.Write(buffer, 0, read);
            }
            return (null, output.ToArray());
        }
        catch (BlobCipherException ex)
        {
            return (ex.Failure, output.ToArray());
        }
    }
}
