namespace Voice.Audio.Decoding;

public enum AudioContainer
{
    Wav,
    Mp3,
    OggVorbis,
    OggOpus,
    Flac,
}

/// <summary>
/// Turns an upload into samples, or into a precise <see cref="AudioProblemException"/>. The format is found
/// from the content (never the file name or content type); the size limit holds while reading, the duration
/// limit while decoding; afterwards the audio must be long enough and not silent. Nothing else escapes: a
/// decoder that trips over malformed input reports the file as corrupt.
/// </summary>
public static class AudioDecoder
{
    /// <summary>Decodes at a time in this process: each may hold up to the samples budget, so more wait their turn.</summary>
    public static readonly int MaxConcurrent = Math.Max(2, Environment.ProcessorCount);
    private static readonly SemaphoreSlim Slots = new(MaxConcurrent);

    /// <summary>Reads at most <see cref="AudioLimits.MaxBytes"/> from <paramref name="input"/>, then decodes.</summary>
    public static async Task<(AudioBuffer Audio, AudioContainer Container)> DecodeAsync(Stream input, AudioLimits limits, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81_920];
        int read;
        while ((read = await input.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limits.MaxBytes)
            {
                throw new AudioProblemException(AudioProblemKind.TooLarge, $"The file is larger than {limits.MaxBytes / (1024 * 1024.0):0.#} MB.");
            }
            buffer.Write(chunk, 0, read);
        }
        await Slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return DecodeNow(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), limits);
        }
        finally
        {
            Slots.Release();
        }
    }

    public static (AudioBuffer Audio, AudioContainer Container) Decode(ReadOnlyMemory<byte> file, AudioLimits limits)
    {
        Slots.Wait();
        try
        {
            return DecodeNow(file, limits);
        }
        finally
        {
            Slots.Release();
        }
    }

    private static (AudioBuffer Audio, AudioContainer Container) DecodeNow(ReadOnlyMemory<byte> file, AudioLimits limits)
    {
        if (file.Length > limits.MaxBytes)
        {
            throw new AudioProblemException(AudioProblemKind.TooLarge, $"The file is larger than {limits.MaxBytes / (1024 * 1024.0):0.#} MB.");
        }
        if (file.Length == 0)
        {
            throw new AudioProblemException(AudioProblemKind.Corrupt, "The file is empty.");
        }
        var container = Detect(file.Span)
            ?? throw new AudioProblemException(AudioProblemKind.UnsupportedFormat, "The file is not WAV, MP3, Ogg Vorbis, Ogg Opus or FLAC.");
        AudioBuffer audio;
        try
        {
            audio = container switch
            {
                AudioContainer.Wav => WavDecoder.Decode(file.Span, limits),
                AudioContainer.Mp3 => Mp3Decoder.Decode(file, limits),
                AudioContainer.OggVorbis => VorbisDecoder.Decode(file, limits),
                AudioContainer.OggOpus => OpusDecoder.Decode(file, limits),
                _ => FlacDecoder.Decode(file, limits),
            };
        }
        catch (Exception ex) when (ex is not AudioProblemException and not OutOfMemoryException and not OperationCanceledException)
        {
            // Third-party decoders throw whatever malformed input makes them throw.
            throw new AudioProblemException(AudioProblemKind.Corrupt, $"The {Name(container)} data is damaged and cannot be decoded.");
        }
        Validate(audio, limits);
        return (audio, container);
    }

    /// <summary>The container, by magic numbers; null when none matches.</summary>
    public static AudioContainer? Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8))
        {
            return AudioContainer.Wav;
        }
        if (head.Length >= 4 && head[..4].SequenceEqual("RF64"u8))
        {
            throw new AudioProblemException(AudioProblemKind.UnsupportedFormat, "RF64 (WAV over 4 GB) is not supported.");
        }
        if (head.Length >= 4 && head[..4].SequenceEqual("fLaC"u8))
        {
            return AudioContainer.Flac;
        }
        if (head.Length >= 36 && head[..4].SequenceEqual("OggS"u8))
        {
            if (27 + head[26] + 8 > head.Length)
            {
                return null;
            }
            var packet = head[(27 + head[26])..];
            if (packet.StartsWith("OpusHead"u8))
            {
                return AudioContainer.OggOpus;
            }
            if (packet.Length >= 7 && packet[0] == 1 && packet[1..7].SequenceEqual("vorbis"u8))
            {
                return AudioContainer.OggVorbis;
            }
            return null;
        }
        if (head.Length >= 3 && head[..3].SequenceEqual("ID3"u8))
        {
            return AudioContainer.Mp3;
        }
        // An MPEG audio frame header: 11 sync bits, then version != reserved, layer III.
        if (head.Length >= 4 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0 && (head[1] & 0x18) != 0x08 && (head[1] & 0x06) == 0x02)
        {
            return AudioContainer.Mp3;
        }
        return null;
    }

    private static void Validate(AudioBuffer audio, AudioLimits limits)
    {
        if (audio.Duration < limits.MinDuration)
        {
            throw new AudioProblemException(AudioProblemKind.TooShort,
                $"The recording is {audio.Duration.TotalSeconds:0.##} s long; at least {limits.MinDuration.TotalSeconds:0.#} s are needed.");
        }
        float peak = 0;
        foreach (float sample in audio.Samples)
        {
            if (!float.IsFinite(sample))
            {
                throw new AudioProblemException(AudioProblemKind.Corrupt, "The decoded audio contains invalid samples.");
            }
            peak = Math.Max(peak, Math.Abs(sample));
        }
        if (peak < 0.001f) // −60 dBFS
        {
            throw new AudioProblemException(AudioProblemKind.Silent, "The recording is silent.");
        }
    }

    private static string Name(AudioContainer container) => container switch
    {
        AudioContainer.Wav => "WAV",
        AudioContainer.Mp3 => "MP3",
        AudioContainer.OggVorbis => "Ogg Vorbis",
        AudioContainer.OggOpus => "Ogg Opus",
        _ => "FLAC",
    };
}
