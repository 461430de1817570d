using System.Buffers.Binary;

namespace Voice.Audio.Ogg;

/// <summary>
/// Reads the logical packets of the first stream in an Ogg file (RFC 3533), checking every page's CRC.
/// Packets may span pages; a page from another stream is skipped.
/// </summary>
internal sealed class OggPageReader(ReadOnlyMemory<byte> file)
{
    private const int MaxPacketBytes = 1 << 20;
    private int _position;
    private int? _serial;
    private readonly List<byte> _partial = [];
    private readonly Queue<byte[]> _pending = new();

    public long LastGranule { get; private set; }

    /// <summary>The next whole packet, or null at the end of the stream.</summary>
    public byte[]? NextPacket()
    {
        while (_pending.Count == 0)
        {
            if (!ReadPage())
            {
                return null;
            }
        }
        return _pending.Dequeue();
    }

    private bool ReadPage()
    {
        var data = file.Span;
        if (_position + 27 > data.Length)
        {
            if (_partial.Count > 0)
            {
                throw new AudioProblemException(AudioProblemKind.Corrupt, "The Ogg stream ends in the middle of a packet.");
            }
            return false;
        }
        var header = data.Slice(_position, 27);
        if (!header[..4].SequenceEqual("OggS"u8) || header[4] != 0)
        {
            throw new AudioProblemException(AudioProblemKind.Corrupt, "The Ogg stream is broken (no page where one should start).");
        }
        int segments = header[26];
        if (_position + 27 + segments > data.Length)
        {
            throw new AudioProblemException(AudioProblemKind.Corrupt, "The Ogg stream is truncated.");
        }
        var table = data.Slice(_position + 27, segments);
        int bodyLength = 0;
        foreach (byte lacing in table)
        {
            bodyLength += lacing;
        }
        int pageLength = 27 + segments + bodyLength;
        if (_position + pageLength > data.Length)
        {
            throw new AudioProblemException(AudioProblemKind.Corrupt, "The Ogg stream is truncated.");
        }
        var page = data.Slice(_position, pageLength);
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(page[22..]);
        if (OggCrc.Compute(page, crcOffset: 22) != expected)
        {
            throw new AudioProblemException(AudioProblemKind.Corrupt, "An Ogg page fails its checksum.");
        }
        int serial = BinaryPrimitives.ReadInt32LittleEndian(page[14..]);
        _serial ??= serial;
        _position += pageLength;
        if (serial != _serial)
        {
            return true; // another logical stream (e.g. a chained video track): not ours
        }
        LastGranule = BinaryPrimitives.ReadInt64LittleEndian(page[6..]);
        int offset = 27 + segments;
        foreach (byte lacing in table)
        {
            _partial.AddRange(page.Slice(offset, lacing));
            offset += lacing;
            if (_partial.Count > MaxPacketBytes)
            {
                throw new AudioProblemException(AudioProblemKind.Corrupt, "An Ogg packet is implausibly large.");
            }
            if (lacing < 255)
            {
                _pending.Enqueue([.. _partial]);
                _partial.Clear();
            }
        }
        return true;
    }
}

/// <summary>Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0 (not zlib's).</summary>
internal static class OggCrc
{
    private static readonly uint[] Table = Build();

    /// <summary>The CRC of a page, computed as if its CRC field (4 bytes at <paramref name="crcOffset"/>) were zero.</summary>
    public static uint Compute(ReadOnlySpan<byte> page, int crcOffset)
    {
        uint crc = 0;
        for (int i = 0; i < page.Length; i++)
        {
            byte b = i >= crcOffset && i < crcOffset + 4 ? (byte)0 : page[i];
            crc = (crc << 8) ^ Table[((crc >> 24) ^ b) & 0xFF];
        }
        return crc;
    }

    private static uint[] Build()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint r = i << 24;
            for (int bit = 0; bit < 8; bit++)
            {
                r = (r & 0x80000000) != 0 ? (r << 1) ^ 0x04C11DB7 : r << 1;
            }
            table[i] = r;
        }
        return table;
    }
}
