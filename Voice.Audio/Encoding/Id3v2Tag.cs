

namespace Voice.Audio.Encoding;

/// <summary>An ID3v2.4 tag of UTF-8 text frames: TSSE (encoder), TDRC (date) and one TXXX per other field.</summary>
internal static class Id3v2Tag
{
    public static byte[] Build(AudioMetadata metadata)
    {
        using var frames = new MemoryStream();
        foreach (var (name, value) in metadata.Tags())
        {
            switch (name)
            {
                case "ENCODED_BY":
                    WriteFrame(frames, "TSSE", [0x03, .. System.Text.Encoding.UTF8.GetBytes(value)]);
                    break;
                case "DATE":
                    WriteFrame(frames, "TDRC", [0x03, .. System.Text.Encoding.UTF8.GetBytes(value)]);
                    break;
                default:
                    WriteFrame(frames, "TXXX", [0x03, .. System.Text.Encoding.UTF8.GetBytes(name), 0x00, .. System.Text.Encoding.UTF8.GetBytes(value)]);
                    break;
            }
        }
        byte[] body = frames.ToArray();
        if (body.Length == 0)
        {
            return [];
        }
        return [(byte)'I', (byte)'D', (byte)'3', 4, 0, 0, .. SyncSafe(body.Length), .. body];
    }

    private static void WriteFrame(Stream output, string id, byte[] data)
    {
        output.Write(System.Text.Encoding.ASCII.GetBytes(id));
        output.Write(SyncSafe(data.Length));
        output.Write([0, 0]);
        output.Write(data);
    }

    private static byte[] SyncSafe(int value) =>
        [(byte)((value >> 21) & 0x7F), (byte)((value >> 14) & 0x7F), (byte)((value >> 7) & 0x7F), (byte)(value & 0x7F)];
}
