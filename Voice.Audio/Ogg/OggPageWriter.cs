using System.Buffers.Binary;

namespace Voice.Audio.Ogg;

/// <summary>Writes one logical Ogg stream (RFC 3533): packets gathered into pages with lacing, granule positions and CRCs.</summary>
internal sealed class OggPageWriter(Stream output, int serial)
{
    private readonly List<byte[]> _packets = [];
    private int _sequence;
    private bool _begun;

    public async Task WritePacketPageAsync(byte[] packet, long granule, CancellationToken cancellationToken)
    {
        _packets.Add(packet);
        await FlushAsync(granule, endOfStream: false, cancellationToken).ConfigureAwait(false);
    }

    public void Add(byte[] packet) => _packets.Add(packet);

    public int Pending => _packets.Count;

    /// <summary>Writes the gathered packets as one page whose granule position is <paramref name="granule"/>.</summary>
    public async Task FlushAsync(long granule, bool endOfStream, CancellationToken cancellationToken)
    {
        if (_packets.Count == 0 && !endOfStream)
        {
            return;
        }
        var lacing = new List<byte>();
        foreach (var packet in _packets)
        {
            for (int left = packet.Length; ; left -= 255)
            {
                lacing.Add((byte)Math.Min(255, left));
                if (left < 255)
                {
                    break;
                }
            }
        }
        if (lacing.Count > 255)
        {
            throw new InvalidOperationException("Too many packets for one Ogg page.");
        }
        int bodyLength = _packets.Sum(p => p.Length);
        var page = new byte[27 + lacing.Count + bodyLength];
        "OggS"u8.CopyTo(page);
        page[4] = 0;
        page[5] = (byte)((_begun ? 0 : 0x02) | (endOfStream ? 0x04 : 0));
        BinaryPrimitives.WriteInt64LittleEndian(page.AsSpan(6), granule);
        BinaryPrimitives.WriteInt32LittleEndian(page.AsSpan(14), serial);
        BinaryPrimitives.WriteInt32LittleEndian(page.AsSpan(18), _sequence++);
        page[26] = (byte)lacing.Count;
        lacing.CopyTo(page, 27);
        int offset = 27 + lacing.Count;
        foreach (var packet in _packets)
        {
            packet.CopyTo(page, offset);
            offset += packet.Length;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(22), OggCrc.Compute(page, crcOffset: 22));
        await output.WriteAsync(page, cancellationToken).ConfigureAwait(false);
        _packets.Clear();
        _begun = true;
    }
}
