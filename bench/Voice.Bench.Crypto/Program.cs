// Throughput of the at-rest format (BlobCipher: streaming AES-256-GCM in 64 KiB segments) against its peers on
// the same machine: the raw AES-256-GCM primitive in process (the ceiling: no framing, no copies) and OpenSSL's
// `speed -evp aes-256-gcm` on 64 KiB blocks. Also what one stream allocates (bounded: two segments).
//   dotnet run -c Release --project bench/Voice.Bench.Crypto
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Voice.Core.Crypto;

const int Size = 64 * 1024 * 1024;
byte[] plaintext = RandomNumberGenerator.GetBytes(Size);
byte[] key = RandomNumberGenerator.GetBytes(32);
var tenant = Guid.NewGuid();
const string Path = "results/bench.wav";

byte[] encrypted;
using (var buffer = new MemoryStream(capacity: (int)BlobCipher.EncryptedLength(Size)))
{
    await BlobCipher.Encrypt(new MemoryStream(plaintext), key, BlobCipher.NewHeader(1), tenant, Path).CopyToAsync(buffer);
    encrypted = buffer.ToArray();
}

double encrypt = await BestAsync(5, async () =>
{
    await using var stream = BlobCipher.Encrypt(new MemoryStream(plaintext), key, BlobCipher.NewHeader(1), tenant, Path);
    await stream.CopyToAsync(Stream.Null, 81_920);
});
double decrypt = await BestAsync(5, async () =>
{
    await using var stream = BlobCipher.Decrypt(new MemoryStream(encrypted) { Position = BlobCipher.HeaderSize }, key,
        BlobCipher.ParseHeader(encrypted), tenant, Path);
    await stream.CopyToAsync(Stream.Null, 81_920);
});
double raw = await BestAsync(5, () =>
{
    using var aes = new AesGcm(key, 16);
    var nonce = new byte[12];
    var output = new byte[64 * 1024];
    var tag = new byte[16];
    for (int offset = 0; offset < Size; offset += output.Length)
    {
        nonce[11]++;
        aes.Encrypt(nonce, plaintext.AsSpan(offset, output.Length), output, tag);
    }
    return Task.CompletedTask;
});

long before = GC.GetAllocatedBytesForCurrentThread();
await using (var stream = BlobCipher.Encrypt(new MemoryStream(plaintext), key, BlobCipher.NewHeader(1), tenant, Path))
{
    await stream.CopyToAsync(Stream.Null, 81_920);
}
long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

double? openssl = OpensslGcmMegabytesPerSecond();
double Mbps(double seconds) => Size / seconds / 1e6;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
    64 MiB, best of 5, one core:
      BlobCipher encrypt   {Mbps(encrypt),8:F0} MB/s
      BlobCipher decrypt   {Mbps(decrypt),8:F0} MB/s
      raw AesGcm (64 KiB)  {Mbps(raw),8:F0} MB/s   (encrypt/raw {encrypt / raw:F2}× the time)
      openssl speed        {(openssl is { } o ? o.ToString("F0", CultureInfo.InvariantCulture) : "n/a"),8} MB/s   (aes-256-gcm, 64 KiB blocks{(openssl is { } p ? $"; ours/openssl {Mbps(encrypt) / p:F2}" : "")})
      allocated by one 64 MiB encryption: {allocated / 1024.0:F0} KiB
    """));

static async Task<double> BestAsync(int runs, Func<Task> work)
{
    await work(); // warm-up
    double best = double.MaxValue;
    for (int i = 0; i < runs; i++)
    {
        var watch = Stopwatch.StartNew();
        await work();
        best = Math.Min(best, watch.Elapsed.TotalSeconds);
    }
    return best;
}

static double? OpensslGcmMegabytesPerSecond()
{
    try
    {
        using var process = Process.Start(new ProcessStartInfo("openssl", "speed -evp aes-256-gcm -bytes 65536 -seconds 2")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        // The last line: "AES-256-GCM   <k bytes/s for the one size>k"
        var match = Regex.Match(output, @"(?im)^aes-256-gcm\s+([\d.]+)k\s*$");
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * 1000 / 1e6 : null;
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return null;
    }
}
