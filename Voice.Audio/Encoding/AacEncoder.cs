using System.Buffers;
using System.Diagnostics;

namespace Voice.Audio.Encoding;

/// <summary>
/// AAC-LC in ADTS (streamable) through the ffmpeg CLI's native encoder — no managed AAC encoder exists — at
/// 64 kbit/s, preceded by an ID3v2.4 tag (the usual way to tag ADTS). ffmpeg's output is copied to the caller's
/// stream as it appears.
/// </summary>
internal sealed class AacEncoder : IAudioEncoder
{
    private readonly Process _ffmpeg;
    private readonly Task _copy;
    private readonly Stream _output;
    private readonly byte[] _tag;
    private bool _tagWritten;

    public AacEncoder(Stream output, AudioMetadata metadata, int sampleRate)
    {
        _output = output;
        _tag = Id3v2Tag.Build(metadata);
        var start = new ProcessStartInfo("ffmpeg",
            ["-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", sampleRate.ToString(System.Globalization.CultureInfo.InvariantCulture), "-ac", "1", "-i", "pipe:0",
             "-c:a", "aac", "-b:a", "64k", "-f", "adts", "pipe:1"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            _ffmpeg = Process.Start(start) ?? throw new AudioFormatUnavailableException("aac", "ffmpeg did not start.");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new AudioFormatUnavailableException("aac", "the AAC encoder needs ffmpeg, which is not installed.");
        }
        _ffmpeg.ErrorDataReceived += (_, _) => { };
        _ffmpeg.BeginErrorReadLine();
        _copy = CopyOutputAsync();
    }

    public static bool IsAvailable => Lazy.Value;

    private static readonly Lazy<bool> Lazy = new(() =>
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("ffmpeg", ["-hide_banner", "-encoders"]) { RedirectStandardOutput = true, RedirectStandardError = true });
            string encoders = probe!.StandardOutput.ReadToEnd();
            probe.WaitForExit();
            return encoders.Contains(" aac ", StringComparison.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    public async Task WriteAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken)
    {
        byte[] block = ArrayPool<byte>.Shared.Rent(samples.Length * 2);
        try
        {
            Pcm16.FromFloat(samples.Span, block);
            await _ffmpeg.StandardInput.BaseStream.WriteAsync(block.AsMemory(0, samples.Length * 2), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        _ffmpeg.StandardInput.Close();
        await _copy.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _ffmpeg.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (_ffmpeg.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg failed to encode AAC (exit code {_ffmpeg.ExitCode}).");
        }
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task CopyOutputAsync()
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await _ffmpeg.StandardOutput.BaseStream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            if (!_tagWritten)
            {
                _tagWritten = true;
                await _output.WriteAsync(_tag).ConfigureAwait(false);
            }
            await _output.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_ffmpeg.HasExited)
        {
            _ffmpeg.Kill();
            await _ffmpeg.WaitForExitAsync().ConfigureAwait(false);
        }
        _ffmpeg.Dispose();
    }
}
