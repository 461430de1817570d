namespace Voice.Audio.Loudness;

/// <summary>
/// The interpolation filter of the true-peak meter: a Kaiser-windowed sinc at the L phases of an L× oversampling,
/// 41 sinc lobes each side, β = 12.8 (about 125 dB down outside the band). Output sample n·L + p of the oversampled
/// signal is Σₖ Phase(p)[k] · input[n − K/2 + 1 + k]; phase 0 is the input sample itself.
/// </summary>
internal static class OversamplingFilter
{
    private const int ZeroCrossings = 41;
    private const double KaiserBeta = 12.8;

    /// <summary>Phases 0 … <paramref name="factor"/> − 1, each of K coefficients (K even), each summing to 1.</summary>
    public static float[][] Design(int factor)
    {
        int taps = 2 * ZeroCrossings;
        double i0Beta = BesselI0(KaiserBeta);
        var phases = new float[factor][];
        for (int phase = 0; phase < factor; phase++)
        {
            double fraction = (double)phase / factor;
            var values = new double[taps];
            double sum = 0;
            for (int k = 0; k < taps; k++)
            {
                int m = k - (taps / 2) + 1;   // input offset from the centre sample
                double tau = fraction - m;    // distance in input samples
                double ratio = tau / ZeroCrossings;
                double window = Math.Abs(ratio) >= 1 ? 0 : BesselI0(KaiserBeta * Math.Sqrt(1 - (ratio * ratio))) / i0Beta;
                values[k] = Sinc(tau) * window;
                sum += values[k];
            }
            // Unity DC gain in every phase keeps a constant input constant (no phase-dependent ripple).
            phases[phase] = [.. values.Select(v => (float)(v / sum))];
        }
        return phases;
    }

    private static double Sinc(double x) => x == 0 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);

    private static double BesselI0(double x)
    {
        // Power series; converges fast for the β values a window uses.
        double sum = 1, term = 1, halfX = x / 2;
        for (int k = 1; k < 64; k++)
        {
            term *= halfX / k;
            double squared = term * term;
            sum += squared;
            if (squared < sum * 1e-17)
            {
                break;
            }
        }
        return sum;
    }
}
