namespace Voice.Speech.Qwen3;

/// <summary>What a voice brings to the prompt: nothing (design), a preset speaker's codec id, or a clone's x-vector and, for in-context cloning, its reference.</summary>
public sealed record SpeakerCondition(int? SpeakerId = null, float[]? XVector = null, long[]? ReferenceCodes = null, string? ReferenceText = null)
{
    public int ReferenceFrames(int codebooks) => ReferenceCodes is null ? 0 : ReferenceCodes.Length / codebooks;
}

/// <summary>A prompt ready for the talker: its embeddings [L·H] and the text still to feed one frame at a time ([K·H], then tts_pad).</summary>
public sealed record PromptEmbeddings(float[] Embeds, float[] Trailing, float[] Pad, int TextTokens);

/// <summary>
/// Assembles the talker's prompt the way the reference implementation does (see <c>../shared/qwen3tts.md</c> §2):
/// the optional instruction, the assistant role tokens, the codec prefix (think tokens, language, speaker, pad) each
/// paired with tts_pad (tts_bos on the last), then the text: all at once (non-streaming: each text token plus the
/// codec pad, then tts_pad with the codec bos) or, for in-context cloning, the text track and the reference frames
/// added position by position, with any text left over fed during generation.
/// </summary>
public sealed class Qwen3Prompt(Qwen3Model model, Qwen3Tokenizer tokenizer)
{
    private Qwen3Manifest M => model.Manifest;

    /// <summary>The embeddings every prompt uses (role, control tokens), computed once: the model's weights do not change.</summary>
    private readonly Lazy<(float[] Role, float[] Pad, float[] Bos, float[] TtsPad, float[] TtsBos, float[] TtsEos)> _fixed = new(() =>
    {
        var m = model.Manifest;
        return (model.TextEmbed(tokenizer.AssistantRole()), model.CodecEmbed([m.Special("codec_pad")]), model.CodecEmbed([m.Special("codec_bos")]),
            model.TextEmbed([m.Special("tts_pad")]), model.TextEmbed([m.Special("tts_bos")]), model.TextEmbed([m.Special("tts_eos")]));
    });

    public PromptEmbeddings Build(string text, string language, string? instruct, SpeakerCondition speaker)
    {
        int h = model.Hidden;
        var (role, padRow, bosRow, ttsPad, ttsBos, ttsEos) = _fixed.Value;
        var rows = new List<float[]>();

        if (!string.IsNullOrWhiteSpace(instruct))
        {
            rows.Add(model.TextEmbed(tokenizer.Instruct(instruct)));
        }
        rows.Add(role);

        // Codec prefix: think tokens with the language (or "nothink" for auto), the speaker, then pad; bos comes with the text.
        var prefix = new List<long>();
        if (M.Languages.TryGetValue(language, out int languageId))
        {
            prefix.AddRange([M.Special("codec_think"), M.Special("codec_think_bos"), languageId, M.Special("codec_think_eos")]);
        }
        else
        {
            prefix.AddRange([M.Special("codec_nothink"), M.Special("codec_think_bos"), M.Special("codec_think_eos")]);
        }
        float[] codecRows = model.CodecEmbed(prefix.ToArray());
        float[]? speakerRow = speaker.XVector ?? (speaker.SpeakerId is { } id ? model.CodecEmbed([id]) : null);

        var codecSide = new List<float[]>();
        for (int i = 0; i < prefix.Count; i++)
        {
            codecSide.Add(codecRows.AsSpan(i * h, h).ToArray());
        }
        if (speakerRow is not null)
        {
            codecSide.Add(speakerRow);
        }
        codecSide.Add(padRow);
        for (int i = 0; i < codecSide.Count; i++)
        {
            rows.Add(Add(codecSide[i], i == codecSide.Count - 1 ? ttsBos : ttsPad));
        }

        long[] content = tokenizer.Encode(text);
        float[] contentRows = content.Length == 0 ? [] : model.TextEmbed(content);
        float[] trailing = [];
        if (speaker.ReferenceCodes is { } referenceCodes)
        {
            // In-context cloning: text track = reference text + text + tts_eos; codec track = bos + the reference frames.
            long[] referenceIds = tokenizer.Encode(speaker.ReferenceText ?? "");
            var textTrack = Concat(referenceIds.Length == 0 ? [] : model.TextEmbed(referenceIds), contentRows, ttsEos);
            int frames = speaker.ReferenceFrames(M.Codebooks);
            var codecTrack = Concat(bosRow, frames == 0 ? [] : model.FrameEmbed(referenceCodes, frames));
            int textLength = textTrack.Length / h, codecLength = codecTrack.Length / h;
            for (int i = 0; i < codecLength; i++)
            {
                var textRow = i < textLength ? textTrack.AsSpan(i * h, h) : ttsPad;
                rows.Add(Add(codecTrack.AsSpan(i * h, h), textRow));
            }
            if (textLength > codecLength)
            {
                trailing = textTrack[(codecLength * h)..];
            }
        }
        else
        {
            // Non-streaming text: every text token (and tts_eos) over the codec pad, then tts_pad over the codec bos.
            for (int i = 0; i < content.Length; i++)
            {
                rows.Add(Add(contentRows.AsSpan(i * h, h), padRow));
            }
            rows.Add(Add(ttsEos, padRow));
            rows.Add(Add(ttsPad, bosRow));
        }
        return new PromptEmbeddings(Concat([.. rows]), trailing, ttsPad, content.Length);
    }

    private static float[] Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = new float[a.Length];
        for (int i = 0; i < sum.Length; i++)
        {
            sum[i] = a[i] + b[i];
        }
        return sum;
    }

    private static float[] Concat(params float[][] parts)
    {
        var all = new float[parts.Sum(p => p.Length)];
        int at = 0;
        foreach (var part in parts)
        {
            part.CopyTo(all, at);
            at += part.Length;
        }
        return all;
    }
}
