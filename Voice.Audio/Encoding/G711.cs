using System.Numerics;

namespace Voice.Audio.Encoding;

/// <summary>
/// ITU-T G.711 companding of 16-bit linear PCM to 8-bit codes, μ-law (North America, Japan) and A-law (elsewhere):
/// the classic segment tables of the reference implementation, computed rather than looked up. Both keep about
/// 13 bits of dynamic range in 8, with a quantisation step that grows with the level (about 1/16 of it at worst).
/// </summary>
public static class G711
{
    private const int MuLawBias = 0x84;
    private const int MuLawClip = 32635;

    public static byte MuLaw(short sample)
    {
        int value = sample;
        int sign = value < 0 ? 0x80 : 0;
        value = Math.Min(Math.Abs(value), MuLawClip) + MuLawBias;
        int exponent = 31 - BitOperations.LeadingZeroCount((uint)(value >> 7)); // the segment: 0 … 7
        int mantissa = (value >> (exponent + 3)) & 0x0F;
        return (byte)~(sign | (exponent << 4) | mantissa);
    }

    public static short FromMuLaw(byte code)
    {
        int inverted = ~code & 0xFF;
        int exponent = (inverted >> 4) & 0x07;
        int magnitude = ((((inverted & 0x0F) << 3) + MuLawBias) << exponent) - MuLawBias;
        return (short)((inverted & 0x80) != 0 ? -magnitude : magnitude);
    }

    public static byte ALaw(short sample)
    {
        // A-law works on 13 bits; negative values are coded as their one's complement (-1 and 0 share a magnitude).
        int value = sample >> 3;
        int mask = 0xD5;
        if (value < 0)
        {
            mask = 0x55;
            value = -value - 1;
        }
        int segment = value < 0x20 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)value) - 5; // 0x20-0x3F → 1 … 0x800-0xFFF → 7
        if (segment >= 8)
        {
            return (byte)(0x7F ^ mask);
        }
        int mantissa = segment < 2 ? (value >> 1) & 0x0F : (value >> segment) & 0x0F;
        return (byte)(((segment << 4) | mantissa) ^ mask);
    }

    public static short FromALaw(byte code)
    {
        int value = code ^ 0x55;
        int magnitude = (value & 0x0F) << 4;
        int segment = (value & 0x70) >> 4;
        magnitude = segment switch
        {
            0 => magnitude + 8,
            1 => magnitude + 0x108,
            _ => (magnitude + 0x108) << (segment - 1),
        };
        return (short)((value & 0x80) != 0 ? magnitude : -magnitude);
    }
}
